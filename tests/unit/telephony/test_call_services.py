"""Telephony services and selectors: resolving what a call runs, a call's life, its records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from betool.models import Workspace
from pipelines.models import Pipeline, PipelineVersion
from telephony import selectors, services
from telephony.models import (
    Call,
    CallEndReason,
    CallEventKind,
    CallStatus,
    PhoneNumber,
    Trunk,
)
from voice_models.models import VoiceModel, VoiceModelKind, VoiceProvider


@pytest.fixture
def pipeline(workspace: Workspace) -> Pipeline:
    return Pipeline.objects.create(workspace=workspace, name="Front desk", draft={})


@pytest.fixture
def number(workspace: Workspace, pipeline: Pipeline) -> PhoneNumber:
    return PhoneNumber.objects.create(workspace=workspace, e164="+15550100", pipeline=pipeline)


def publish(pipeline: Pipeline, n: int) -> PipelineVersion:
    return PipelineVersion.objects.create(pipeline=pipeline, number=n, graph={"n": n})


def test_normalize_e164() -> None:
    assert selectors.normalize_e164("+1 (555) 010-0") == "+15550100"
    assert selectors.normalize_e164("sip:+15550100@example.com") == "+15550100"
    assert selectors.normalize_e164("15550100") == "+15550100"
    assert selectors.normalize_e164("") == ""


def test_a_number_answers_with_the_latest_published_version(
    number: PhoneNumber, pipeline: Pipeline
) -> None:
    publish(pipeline, 1)
    v2 = publish(pipeline, 2)
    setup = selectors.call_setup_resolve(number_e164="+1 555 0100")
    assert setup.number == number
    assert setup.version == v2
    assert setup.call is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("unknown", "unknown_number"),
        ("disabled", "number_disabled"),
        ("unpublished", "not_published"),
        ("no_pipeline", "no_pipeline"),
    ],
)
def test_calls_that_nothing_can_answer_are_rejected_with_a_reason(
    number: PhoneNumber, pipeline: Pipeline, change: str, reason: str
) -> None:
    e164 = number.e164
    if change != "unpublished":
        publish(pipeline, 1)
    if change == "unknown":
        e164 = "+15559999"
    elif change == "disabled":
        number.enabled = False
        number.save()
    elif change == "no_pipeline":
        number.pipeline = None
        number.save()
    with pytest.raises(selectors.CallRejected) as info:
        selectors.call_setup_resolve(number_e164=e164)
    assert info.value.reason == reason


def test_a_call_made_beforehand_runs_its_own_version(
    workspace: Workspace, number: PhoneNumber, pipeline: Pipeline
) -> None:
    v1 = publish(pipeline, 1)
    publish(pipeline, 2)
    call = services.call_start(
        workspace=workspace, room_name="call-x", number=number, pipeline_version=v1
    )
    setup = selectors.call_setup_resolve(call_id=call.pk)
    assert setup.version == v1
    assert setup.call == call
    services.call_end(call=call, reason=CallEndReason.ERROR)
    with pytest.raises(selectors.CallRejected):
        selectors.call_setup_resolve(call_id=call.pk)


def test_a_call_life_keeps_the_time_of_each_state(
    workspace: Workspace, number: PhoneNumber
) -> None:
    t0 = timezone.now() - timedelta(minutes=5)  # a call recorded after the fact
    call = services.call_start(
        workspace=workspace,
        room_name="call-1",
        from_number="+15551234",
        to_number=number.e164,
        number=number,
        at=t0,
    )
    assert call.status == CallStatus.RINGING
    assert call.ringing_at == t0
    assert call.created_at == t0
    services.call_set_status(call=call, status=CallStatus.CONNECTED, at=t0 + timedelta(seconds=1))
    services.call_set_status(call=call, status=CallStatus.ACTIVE, at=t0 + timedelta(seconds=2))
    services.call_set_status(call=call, status=CallStatus.ON_HOLD, at=t0 + timedelta(seconds=3))
    services.call_set_status(call=call, status=CallStatus.ACTIVE, at=t0 + timedelta(seconds=9))
    ended = services.call_end(
        call=call,
        reason=CallEndReason.AGENT_HANGUP,
        usage={"call_seconds": 10.0},
        at=t0 + timedelta(seconds=11),
    )
    assert ended.status == CallStatus.ENDED
    assert ended.end_reason == CallEndReason.AGENT_HANGUP
    assert ended.active_at == t0 + timedelta(seconds=2)  # first time active, kept
    assert ended.on_hold_at == t0 + timedelta(seconds=3)
    assert ended.duration_s == 10.0
    assert ended.usage == {"call_seconds": 10.0}
    # Ending twice changes nothing; an ended call stays ended.
    again = services.call_end(call=ended, reason=CallEndReason.CALLER_HANGUP)
    assert again.end_reason == CallEndReason.AGENT_HANGUP
    services.call_set_status(call=again, status=CallStatus.ACTIVE)
    assert Call.objects.get(pk=call.pk).status == CallStatus.ENDED
    names = list(call.events.values_list("name", flat=True))
    assert names == ["started", "connected", "active", "on_hold", "active", "ended"]


def test_turns_are_idempotent_per_sequence(workspace: Workspace) -> None:
    call = services.call_start(workspace=workspace, room_name="call-2")
    now = timezone.now()
    for text in ("first draft", "final"):
        services.call_turn_record(
            call=call,
            sequence=1,
            user_text="hello",
            agent_text=text,
            started_at=now,
            latencies={"end_to_end_ms": 640},
            trace={"nodes": ["start", "say"]},
        )
    assert call.turns.count() == 1
    turn = call.turns.get()
    assert turn.agent_text == "final"
    assert turn.latencies == {"end_to_end_ms": 640}
    services.call_event_record(
        call=call, kind=CallEventKind.TOOL, name="transfer", data={"ok": False}
    )
    assert call.events.filter(kind=CallEventKind.TOOL).count() == 1


def test_credentials_are_encrypted_at_rest(workspace: Workspace) -> None:
    from django.db import connection

    model = VoiceModel.objects.create(
        workspace=workspace,
        name="Deepgram",
        kind=VoiceModelKind.ASR,
        provider=VoiceProvider.DEEPGRAM,
        api_key="dg-secret",
    )
    trunk = Trunk.objects.create(workspace=workspace, name="Carrier", password="sip-secret")
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM voice_models_voicemodel WHERE id = %s", [model.pk])
        (stored_key,) = cursor.fetchone()
        cursor.execute("SELECT password FROM telephony_trunk WHERE id = %s", [trunk.pk])
        (stored_password,) = cursor.fetchone()
    assert "dg-secret" not in stored_key
    assert stored_key.startswith("fernet:")
    assert "sip-secret" not in stored_password
    assert VoiceModel.objects.get(pk=model.pk).api_key == "dg-secret"


def test_a_full_workspace_or_trunk_takes_no_new_call(
    workspace: Workspace, number: PhoneNumber, pipeline: Pipeline
) -> None:
    publish(pipeline, 1)
    workspace.max_concurrent_calls = 1
    workspace.save()
    services.call_start(workspace=workspace, room_name="a", status=CallStatus.ACTIVE)
    setup = selectors.call_setup_resolve(number_e164=number.e164)
    with pytest.raises(selectors.CallRejected) as info:
        services.call_admit(setup=setup, room_name="call-1")
    assert info.value.reason == "too_many_calls"

    workspace.max_concurrent_calls = 10
    workspace.save()
    trunk = Trunk.objects.create(workspace=workspace, name="Carrier", max_concurrent_calls=1)
    number.trunk = trunk
    number.save()
    services.call_start(workspace=workspace, room_name="b", number=number)
    setup = selectors.call_setup_resolve(number_e164=number.e164)
    with pytest.raises(selectors.CallRejected) as info:
        services.call_admit(setup=setup, room_name="call-2")
    assert info.value.reason == "trunk_busy"
    assert not Call.objects.filter(room_name__in=["call-1", "call-2"]).exists()


def test_no_new_call_once_the_credits_are_spent(number: PhoneNumber, pipeline: Pipeline) -> None:
    from decimal import Decimal

    from betool.models import LedgerKind
    from betool.services import ledger_credit

    publish(pipeline, 1)
    ledger_credit(
        workspace=number.workspace,
        credits=Decimal(-100_000),
        kind=LedgerKind.ADJUSTMENT,
        reason="spent",
        user=None,
    )
    with pytest.raises(selectors.CallRejected) as rejected:
        selectors.call_setup_resolve(number_e164=number.e164)
    assert rejected.value.reason == "no_credits"
    assert "top up" in rejected.value.message
    with pytest.raises(selectors.CallRejected):
        services.call_outbound_create(number=number, to_number="+15550199")
    from telephony.worker.state import REJECTION_LINES

    assert "run out of credit" in REJECTION_LINES["no_credits"]
