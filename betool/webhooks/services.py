"""Writes of webhooks: endpoints, emitting an event, attempting and redelivering a delivery.

An event is stored as one delivery per subscribed endpoint inside the caller's transaction
and sent by Celery after the commit, so a rolled-back call or publish sends nothing.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from betool.egress import EgressPolicy
from betool.errors import ApiError
from betool.models import Workspace
from betool.webhooks import selectors
from betool.webhooks.delivery_http import HttpOutcome, post_signed
from betool.webhooks.errors import WebhookErrorCode
from betool.webhooks.events import EventType, WorkspaceRef, event_body
from betool.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from betool.webhooks.signing import secret_generate, signed_headers

logger = logging.getLogger(__name__)

_NO_EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


def _invalid(field: str, message: str, code: WebhookErrorCode) -> ApiError:
    return ApiError(code, message, status=422, details=[{"field": field, "message": message}])


def _checked_url(url: str) -> str:
    url = url.strip()
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise _invalid(
            "url", "Enter an http:// or https:// address.", WebhookErrorCode.URL_NOT_ALLOWED
        )
    policy = EgressPolicy(allow_private=settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK)
    reason = policy.refusal_by_name(parsed.host)
    if reason is not None:
        raise _invalid(
            "url",
            f"Webhooks may not go to {parsed.host}: it is {reason}.",
            WebhookErrorCode.URL_NOT_ALLOWED,
        )
    return url


def _checked_events(events: Sequence[str]) -> list[str]:
    known = {event.value for event in EventType}
    unknown = [event for event in events if event not in known]
    if unknown:
        raise _invalid(
            "events",
            f"Unknown event {unknown[0]!r}; choose from {', '.join(sorted(known))}.",
            WebhookErrorCode.UNKNOWN_EVENT,
        )
    if not events:
        raise _invalid("events", "Choose at least one event.", WebhookErrorCode.UNKNOWN_EVENT)
    return [event.value for event in EventType if event.value in events]


def endpoint_create(
    *, workspace: Workspace, url: str, events: Sequence[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """The endpoint and its signing secret, which is shown this once."""
    secret = secret_generate()
    endpoint = WebhookEndpoint(
        workspace=workspace,
        url=_checked_url(url),
        events=_checked_events(events),
        description=description.strip(),
        secret=secret,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint, secret


@dataclass(frozen=True, slots=True)
class EndpointChanges:
    url: str | None = None
    events: Sequence[str] | None = None
    description: str | None = None
    enabled: bool | None = None


def endpoint_update(*, endpoint: WebhookEndpoint, changes: EndpointChanges) -> WebhookEndpoint:
    if changes.url is not None:
        endpoint.url = _checked_url(changes.url)
    if changes.events is not None:
        endpoint.events = _checked_events(changes.events)
    if changes.description is not None:
        endpoint.description = changes.description.strip()
    if changes.enabled is not None and changes.enabled != endpoint.enabled:
        endpoint.enabled = changes.enabled
        # Turned back on: its failures are forgiven, its notice goes.
        endpoint.consecutive_failures = 0
        endpoint.disabled_reason = "" if changes.enabled else "Turned off by an admin."
        endpoint.disabled_at = None if changes.enabled else timezone.now()
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def endpoint_secret_rotate(*, endpoint: WebhookEndpoint) -> str:
    secret = secret_generate()
    endpoint.secret = secret
    endpoint.save(update_fields=["secret"])
    return secret


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def _schedule(delivery_id: int, *, manual: bool = False) -> None:
    from betool.webhooks.tasks import webhook_deliver

    webhook_deliver.delay(delivery_id, manual)


def webhook_event_emit(*, workspace_id: int, event: EventType, data: Any) -> list[WebhookDelivery]:
    """Stores the event for every enabled endpoint that subscribed to it and sends each
    after the surrounding transaction commits. ``data`` is the event's data model or a
    dict of it; it is validated against the published schema here."""
    endpoints = selectors.subscribed_endpoints(workspace_id=workspace_id, event=event.value)
    if not endpoints:
        return []
    workspace = endpoints[0].workspace
    message_id = "msg_" + secrets.token_urlsafe(18)
    body = event_body(
        event=event,
        message_id=message_id,
        timestamp=timezone.now(),
        workspace=WorkspaceRef(id=workspace.pk, slug=workspace.slug),
        data=data,
    )
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        # Due at once: should the task be lost, the sweep sends it.
        WebhookDelivery(
            endpoint=endpoint,
            message_id=message_id,
            event_type=event,
            payload=body,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    )
    ids = [delivery.pk for delivery in deliveries]

    def send() -> None:
        for delivery_id in ids:
            _schedule(delivery_id)

    transaction.on_commit(send)
    return deliveries


def retry_delay_s(attempts: int) -> float:
    """The wait after the ``attempts``-th failed try: base, 2 x base, 4 x base, …"""
    return float(settings.BETOOL_WEBHOOK_RETRY_BASE_S * 2 ** (attempts - 1))


def _notify_disabled(*, endpoint: WebhookEndpoint) -> None:
    recipients = selectors.admin_emails(workspace=endpoint.workspace)
    logger.warning(
        "webhook endpoint %s of %s disabled: %s",
        endpoint.url,
        endpoint.workspace.slug,
        endpoint.disabled_reason,
    )
    if not recipients or settings.EMAIL_BACKEND == _NO_EMAIL_BACKEND:
        return
    transaction.on_commit(
        lambda: send_mail(
            subject=f"betool turned off a webhook endpoint of {endpoint.workspace.name}",
            message=(
                f"The endpoint {endpoint.url} was turned off: {endpoint.disabled_reason}\n\n"
                "Fix the receiver, then turn it back on under Administration → Webhooks; "
                "failed deliveries can be sent again from its log."
            ),
            from_email=None,
            recipient_list=recipients,
            fail_silently=True,
        )
    )


def _record_final_failure(*, endpoint_id: int) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    endpoint = WebhookEndpoint.objects.select_related("workspace").get(pk=endpoint_id)
    limit = settings.BETOOL_WEBHOOK_DISABLE_AFTER
    if endpoint.enabled and endpoint.consecutive_failures >= limit:
        endpoint.enabled = False
        endpoint.disabled_at = timezone.now()
        endpoint.disabled_reason = (
            f"{endpoint.consecutive_failures} deliveries in a row failed every attempt."
        )
        endpoint.save(update_fields=["enabled", "disabled_at", "disabled_reason"])
        _notify_disabled(endpoint=endpoint)


def _apply_outcome(
    *, delivery: WebhookDelivery, outcome: HttpOutcome, manual: bool
) -> float | None:
    now = timezone.now()
    delivery.attempts += 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        error=outcome.error,
        response_excerpt=outcome.excerpt,
        manual=manual,
        attempted_at=now,
    )
    delivery.last_status_code = outcome.status_code
    delivery.last_latency_ms = outcome.latency_ms
    delivery.last_error = outcome.error
    delivery.response_excerpt = outcome.excerpt
    delay: float | None = None
    if outcome.ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(consecutive_failures=0)
    elif delivery.attempts < settings.BETOOL_WEBHOOK_MAX_ATTEMPTS:
        delay = retry_delay_s(delivery.attempts)
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = now + timedelta(seconds=delay)
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        _record_final_failure(endpoint_id=delivery.endpoint_id)
    delivery.save()
    return delay


def delivery_attempt(*, delivery_id: int, manual: bool = False) -> float | None:
    """Sends the delivery once if it is due; returns the seconds until its next try, or
    None when there is none to schedule (delivered, failed for good, not due, taken).

    The row stays locked while the request is in flight, so a redelivery and a retry that
    meet do not both send; a delivered one is never sent again by a retry."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        finished = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)
        if delivery is None or delivery.status in finished:
            return None
        endpoint = delivery.endpoint
        if not endpoint.enabled:
            return None
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now():
            return None
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        headers = signed_headers(
            secret=endpoint.secret,
            message_id=delivery.message_id,
            timestamp=int(timezone.now().timestamp()),
            body=body,
        )
        outcome = post_signed(
            url=endpoint.url,
            headers=headers,
            body=body,
            timeout_s=settings.BETOOL_WEBHOOK_TIMEOUT_S,
            allow_private=settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK,
        )
        return _apply_outcome(delivery=delivery, outcome=outcome, manual=manual)


def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Sends it again now (the same webhook-id), with a fresh round of retries."""
    if not delivery.endpoint.enabled:
        raise ApiError(
            WebhookErrorCode.ENDPOINT_DISABLED,
            "This endpoint is turned off; turn it on before sending again.",
            status=409,
        )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    delivery_id = delivery.pk
    transaction.on_commit(lambda: _schedule(delivery_id, manual=True))
    delivery.refresh_from_db()
    return delivery


def deliveries_due() -> list[int]:
    """Retries whose time has come but whose scheduled task never ran (a restarted broker,
    or the embedded default, where tasks run inline and nothing waits)."""
    return list(
        WebhookDelivery.objects.filter(
            status__in=[DeliveryStatus.RETRYING, DeliveryStatus.PENDING],
            endpoint__enabled=True,
            next_attempt_at__lte=timezone.now(),
        ).values_list("pk", flat=True)[:500]
    )
