"""Calls whose worker died are closed and billed once: by LiveKit's signed webhooks, or by
the reaper."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client, override_settings
from django.utils import timezone
from livekit import api

from betool.models import LedgerEntry, LedgerKind, Workspace
from telephony.calls.billing import call_usage_bill
from telephony.calls.closing import reap
from telephony.models import Call, CallEndReason, CallStatus, PhoneNumber
from voice_models.pricing import credits_for

pytestmark = pytest.mark.django_db
LIVEKIT = {
    "LIVEKIT_URL": "ws://127.0.0.1:1",
    "LIVEKIT_API_KEY": "devkey",
    "LIVEKIT_API_SECRET": "a-secret-of-at-least-32-characters!!",
    "LIVEKIT_ENABLED": True,
}


@pytest.fixture
def active_call(workspace: Workspace) -> Call:
    number = PhoneNumber.objects.create(workspace=workspace, e164="+15550100")
    answered = timezone.now() - timedelta(seconds=90)
    return Call.objects.create(
        workspace=workspace,
        number=number,
        room_name="call-abc",
        status=CallStatus.ACTIVE,
        connected_at=answered,
        active_at=answered + timedelta(seconds=6),  # after the greeting
    )


def _spent(call: Call) -> Decimal:
    total = LedgerEntry.objects.filter(source=f"call-{call.pk}").aggregate(s=Sum("credits"))
    return -(total["s"] or Decimal(0))


def _signed(body: str, secret: str = LIVEKIT["LIVEKIT_API_SECRET"]) -> str:  # type: ignore[assignment]
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    return api.AccessToken("devkey", secret).with_sha256(digest).to_jwt()


def _room_finished(room: str) -> str:
    return json.dumps({"event": "room_finished", "room": {"name": room}, "id": "EV_1"})


@override_settings(**LIVEKIT)
def test_room_finished_closes_and_bills_a_call_whose_worker_died(active_call: Call) -> None:
    # The worker reported 40 s of usage, then died; the call ran on for ~90 s by the clock.
    call_usage_bill(call=active_call, usage={"call_seconds": 40, "tts_characters": 500},
                    sequence=1)  # fmt: skip
    body = _room_finished("call-abc")
    client = Client()
    for _ in range(2):  # LiveKit may deliver a webhook twice
        response = client.post(
            "/api/livekit/webhook",
            body,
            content_type="application/webhook+json",
            HTTP_AUTHORIZATION=_signed(body),
        )
        assert response.status_code == 200, response.content
    active_call.refresh_from_db()
    assert active_call.status == CallStatus.ENDED
    assert active_call.end_reason == CallEndReason.WORKER_LOST
    # Call time by the clock, from the answer (not the end of the greeting) to the webhook,
    # plus the 500 characters reported.
    assert active_call.ended_at is not None
    seconds = (active_call.ended_at - active_call.connected_at).total_seconds()  # type: ignore[operator]
    assert seconds >= 90
    expected = credits_for(LedgerKind.CALL_SECONDS, Decimal(str(seconds)), Decimal(200))
    assert _spent(active_call) == expected + Decimal("15.00")


@override_settings(**LIVEKIT)
@pytest.mark.parametrize(("kind", "closes"), [("AGENT", True), ("SIP", False)])
def test_the_agent_leaving_an_open_call_closes_it_at_once(
    active_call: Call,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    kind: str,
    closes: bool,
) -> None:
    from telephony.calls import livekit_webhooks as webhooks

    deleted: list[str] = []
    monkeypatch.setattr(webhooks, "_delete_room", deleted.append)
    body = json.dumps({
        "event": "participant_left", "id": "EV_2", "room": {"name": "call-abc"},
        "participant": {"identity": "betool-agent-1", "kind": kind},
    })  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/api/livekit/webhook", body, content_type="application/webhook+json",
            HTTP_AUTHORIZATION=_signed(body),
        )  # fmt: skip
    assert response.status_code == 200, response.content
    active_call.refresh_from_db()
    if closes:  # its worker died: the caller's leg is ended (the room deleted), billed to now
        assert active_call.end_reason == CallEndReason.WORKER_LOST
        assert deleted == ["call-abc"]
        assert _spent(active_call) > 0
    else:  # the caller left: the worker closes the call itself
        assert active_call.status == CallStatus.ACTIVE
        assert deleted == []


@override_settings(**LIVEKIT)
@pytest.mark.parametrize("auth", ["", "Bearer nonsense", "forged"])
def test_a_webhook_with_a_bad_signature_is_refused_and_changes_nothing(
    active_call: Call, auth: str
) -> None:
    body = _room_finished("call-abc")
    if auth == "forged":
        auth = _signed(body, secret="another-secret-of-at-least-32-chars!!")
    response = Client().post(
        "/api/livekit/webhook", body, content_type="application/json", HTTP_AUTHORIZATION=auth
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    active_call.refresh_from_db()
    assert active_call.status == CallStatus.ACTIVE


@override_settings(**LIVEKIT)
def test_a_tampered_body_is_refused(active_call: Call) -> None:
    signature = _signed(_room_finished("call-other"))
    response = Client().post(
        "/api/livekit/webhook",
        _room_finished("call-abc"),
        content_type="application/json",
        HTTP_AUTHORIZATION=signature,
    )
    assert response.status_code == 401


def test_the_reaper_closes_calls_whose_room_is_gone_and_bills_them_once(
    active_call: Call, workspace: Workspace
) -> None:
    Call.objects.filter(pk=active_call.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    fresh = Call.objects.create(workspace=workspace, room_name="call-new", status="ringing")
    assert reap(live_rooms={"call-new"}) == 1
    assert reap(live_rooms={"call-new"}) == 0
    active_call.refresh_from_db()
    fresh.refresh_from_db()
    assert active_call.status == CallStatus.ENDED
    assert fresh.status == CallStatus.RINGING
    first_bill = _spent(active_call)
    assert first_bill >= Decimal("300.00")
    reap(live_rooms=set())  # the fresh call is too young to judge by its room
    assert _spent(active_call) == first_bill


def test_without_livekit_the_reaper_goes_by_age(active_call: Call) -> None:
    assert reap(live_rooms=None) == 0
    Call.objects.filter(pk=active_call.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert reap(live_rooms=None) == 1
