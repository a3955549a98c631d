"""Outgoing webhooks against a real HTTP receiver on loopback: signatures that a reference
implementation verifies, retries with backoff, no copy after a success, disabling after
repeated failures (with a notice to admins), redelivery, and the egress policy."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from betool.models import Workspace
from betool.roles import Role
from betool.webhooks.events import EventType, validate_event_body
from betool.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from betool.webhooks.services import webhook_event_emit
from betool.webhooks.tasks import webhook_deliver, webhook_deliver_due
from tests.fakes.webhook_receiver import WebhookReceiver, webhook_receiver

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as running:
        yield running


@pytest.fixture(autouse=True)
def _quick_retries(settings: Any) -> None:
    settings.BETOOL_WEBHOOK_RETRY_BASE_S = 30
    settings.BETOOL_WEBHOOK_MAX_ATTEMPTS = 4
    settings.BETOOL_WEBHOOK_DISABLE_AFTER = 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _create_endpoint(client: Client, url: str, events: list[str]) -> dict[str, Any]:
    response = client.post(
        "/api/webhooks/endpoints",
        {"url": url, "events": events, "description": "CRM"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def _emit_credits_low(workspace: Workspace, capture: Capture) -> None:
    with capture(execute=True):
        webhook_event_emit(
            workspace_id=workspace.pk,
            event=EventType.CREDITS_LOW,
            data={"balance": "12.00", "threshold": "1000.00"},
        )


def _make_due(delivery: WebhookDelivery) -> None:
    """Time passes: the retry that was scheduled is due now."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_signature_verifies_with_the_reference_implementation(
    client_as: Callable[[Role], Client],
    receiver: WebhookReceiver,
    workspace: Workspace,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    created = _create_endpoint(client_as(Role.ADMIN), receiver.url, ["credits.low"])
    secret = created["secret"]
    assert secret.startswith("whsec_")
    _emit_credits_low(workspace, django_capture_on_commit_callbacks)

    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert request.path == "/hooks/betool"
    verified = Webhook(secret).verify(request.body, request.headers)
    assert verified["type"] == "credits.low"
    assert verified["data"] == {"balance": "12.00", "threshold": "1000.00"}
    assert verified["workspace"]["slug"] == workspace.slug
    assert request.headers["webhook-id"] == verified["id"]
    validate_event_body(json.loads(request.body))
    # Another secret, a changed body or an old timestamp are refused by the same verifier.
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB").verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body.replace(b"12.00", b"99.00"), request.headers)
    replayed = {**request.headers, "webhook-timestamp": str(int(timezone.now().timestamp()) - 600)}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body, replayed)


def test_the_secret_is_shown_once_and_encrypted_at_rest(
    client_as: Callable[[Role], Client], receiver: WebhookReceiver
) -> None:
    admin = client_as(Role.ADMIN)
    created = _create_endpoint(admin, receiver.url, ["call.ended"])
    listed = admin.get("/api/webhooks/endpoints").json()
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0]
    detail = admin.get(f"/api/webhooks/endpoints/{created['id']}").json()
    assert created["secret"] not in json.dumps(detail)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhookendpoint WHERE id = %s", [created["id"]])
        (stored,) = cursor.fetchone()
    assert stored.startswith("fernet:")
    assert created["secret"] not in stored
    rotated = admin.post(f"/api/webhooks/endpoints/{created['id']}/secret").json()["secret"]
    assert rotated != created["secret"]
    assert WebhookEndpoint.objects.get(pk=created["id"]).secret == rotated


def test_a_500_is_retried_with_exponential_backoff_until_it_succeeds(
    client_as: Callable[[Role], Client],
    receiver: WebhookReceiver,
    workspace: Workspace,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    _create_endpoint(client_as(Role.ADMIN), receiver.url, ["credits.low"])
    receiver.answer(500, 500, 200)
    _emit_credits_low(workspace, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()

    waits = []
    for _ in range(2):
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.RETRYING
        assert delivery.last_status_code == 500
        last = delivery.attempt_log.last()
        assert last is not None
        assert delivery.next_attempt_at is not None
        waits.append((delivery.next_attempt_at - last.attempted_at).total_seconds())
        # Not due yet: the sweep leaves it alone.
        assert webhook_deliver_due() == 0
        _make_due(delivery)
        assert webhook_deliver_due() == 1

    delivery.refresh_from_db()
    assert waits == [30.0, 60.0]
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 3
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 500, 200]
    assert "maintenance" in delivery.attempt_log.first().response_excerpt  # type: ignore[union-attr]
    assert len(receiver.received) == 3
    # Every attempt is the same message, freshly signed.
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


def test_no_second_copy_after_a_success(
    client_as: Callable[[Role], Client],
    receiver: WebhookReceiver,
    workspace: Workspace,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    _create_endpoint(client_as(Role.ADMIN), receiver.url, ["credits.low"])
    _emit_credits_low(workspace, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    # A duplicated task, and a sweep, after the delivery succeeded.
    webhook_deliver(delivery.pk)
    _make_due(delivery)
    webhook_deliver_due()
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.last_latency_ms is not None


def test_an_endpoint_that_keeps_failing_is_disabled_and_admins_are_told(
    client_as: Callable[[Role], Client],
    receiver: WebhookReceiver,
    workspace: Workspace,
    django_capture_on_commit_callbacks: Capture,
    settings: Any,
) -> None:
    settings.BETOOL_WEBHOOK_MAX_ATTEMPTS = 2
    admin = client_as(Role.ADMIN)
    created = _create_endpoint(admin, receiver.url, ["credits.low"])
    receiver.answer(503)
    for _ in range(2):
        _emit_credits_low(workspace, django_capture_on_commit_callbacks)
    for delivery in WebhookDelivery.objects.all():
        _make_due(delivery)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_deliver_due()

    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed"}
    endpoint = admin.get(f"/api/webhooks/endpoints/{created['id']}").json()
    assert endpoint["enabled"] is False
    assert "2 deliveries in a row failed" in endpoint["disabled_reason"]
    assert len(mail.outbox) == 1
    assert receiver.url in mail.outbox[0].body
    assert "owner@example.com" in mail.outbox[0].to
    # Turned off: the next event is not even stored for it.
    _emit_credits_low(workspace, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 2
    assert len(receiver.received) == 4


def test_redelivery_from_the_api_sends_the_same_message_again(
    client_as: Callable[[Role], Client],
    receiver: WebhookReceiver,
    workspace: Workspace,
    django_capture_on_commit_callbacks: Capture,
    settings: Any,
) -> None:
    settings.BETOOL_WEBHOOK_MAX_ATTEMPTS = 1
    admin = client_as(Role.ADMIN)
    created = _create_endpoint(admin, receiver.url, ["credits.low"])
    receiver.answer(500, 200)
    _emit_credits_low(workspace, django_capture_on_commit_callbacks)
    page = admin.get(f"/api/webhooks/endpoints/{created['id']}/deliveries").json()
    assert page["total"] == 1
    assert page["items"][0]["status"] == "failed"
    delivery_id = page["items"][0]["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/api/webhooks/deliveries/{delivery_id}/redeliver")
    assert response.status_code == 202, response.content
    detail = admin.get(f"/api/webhooks/deliveries/{delivery_id}").json()
    assert detail["status"] == "succeeded"
    assert [(a["status_code"], a["manual"]) for a in detail["attempt_log"]] == [
        (500, False),
        (200, True),
    ]
    assert detail["payload"]["type"] == "credits.low"
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body

    admin.patch(
        f"/api/webhooks/endpoints/{created['id']}",
        {"enabled": False},
        content_type="application/json",
    )
    refused = admin.post(f"/api/webhooks/deliveries/{delivery_id}/redeliver")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "endpoint_disabled"


def test_egress_policy_applies_to_endpoints_and_to_each_delivery(
    client_as: Callable[[Role], Client],
    receiver: WebhookReceiver,
    workspace: Workspace,
    django_capture_on_commit_callbacks: Capture,
    settings: Any,
) -> None:
    admin = client_as(Role.ADMIN)
    metadata = admin.post(
        "/api/webhooks/endpoints",
        {"url": "http://169.254.169.254/latest", "events": ["call.ended"]},
        content_type="application/json",
    )
    assert metadata.status_code == 422
    assert metadata.json()["error"]["details"][0]["field"] == "url"
    _create_endpoint(admin, receiver.url, ["credits.low"])

    settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK = False
    loopback = admin.post(
        "/api/webhooks/endpoints",
        {"url": receiver.url, "events": ["call.ended"]},
        content_type="application/json",
    )
    assert loopback.status_code == 422
    assert loopback.json()["error"]["code"] == "webhook_url_not_allowed"
    assert "loopback" in loopback.json()["error"]["message"]
    # Registered while allowed: the check at send time refuses it now.
    _emit_credits_low(workspace, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert receiver.received == []
    assert delivery.status == DeliveryStatus.RETRYING
    assert "not allowed" in delivery.last_error


def test_bad_input_and_roles(
    client_as: Callable[[Role], Client], receiver: WebhookReceiver
) -> None:
    admin = client_as(Role.ADMIN)
    unknown = admin.post(
        "/api/webhooks/endpoints",
        {"url": receiver.url, "events": ["call.exploded"]},
        content_type="application/json",
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "events"
    not_http = admin.post(
        "/api/webhooks/endpoints",
        {"url": "ftp://example.com/x", "events": ["call.ended"]},
        content_type="application/json",
    )
    assert not_http.status_code == 422
    assert client_as(Role.DESIGNER).get("/api/webhooks/endpoints").status_code == 403
    assert client_as(Role.FINANCE).get("/api/webhooks/endpoints").status_code == 403
    created = _create_endpoint(admin, receiver.url, ["call.ended"])
    owner = client_as(Role.OWNER)
    assert owner.get(f"/api/webhooks/endpoints/{created['id']}").status_code == 200
    owner.post("/api/workspaces", {"name": "Other"}, content_type="application/json")
    elsewhere = owner.get(
        f"/api/webhooks/endpoints/{created['id']}", HTTP_X_BETOOL_WORKSPACE="other"
    )
    assert elsewhere.status_code == 404
