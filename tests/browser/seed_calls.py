"""Calls for the browser tests of the call monitor, made with the telephony services as the
voice worker makes them: finished, outbound, a browser test, and one in progress.

Run by the browser tier's set-up (``seed_calls(workspace)``) on its fresh database."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from betool.models import LedgerEntry, LedgerKind, User, Workspace
from pipelines.models import Pipeline, PipelineVersion
from pipelines.services import pipeline_create, pipeline_publish
from telephony.models import (
    AnalysisStatus,
    Call,
    CallAnalysis,
    CallDirection,
    CallEndReason,
    CallEventKind,
    CallStatus,
    PhoneNumber,
)
from telephony.recordings.selectors import spool_path
from telephony.recordings.services import recording_store
from telephony.services import (
    call_end,
    call_event_record,
    call_set_status,
    call_start,
    call_turn_record,
)
from tests.fakes.recordings import write_call_ogg

SUPPORT_NUMBER = "+15550100"
CALLER = "+15559999"
OUTBOUND_TARGET = "+15557777"


def _trace(*steps: tuple[str, str, float]) -> dict[str, object]:
    nodes = [
        {"node_id": n, "node_type": t, "ms": ms, "output": "", "branch": None} for n, t, ms in steps
    ]
    return {"nodes": nodes, "ms": sum(ms for _, _, ms in steps), "reason": "completed"}


def _bill(workspace: Workspace, call_id: int, lines: list[tuple[LedgerKind, str, str]]) -> None:
    for kind, quantity, credits in lines:
        LedgerEntry.objects.create(
            workspace=workspace,
            source=f"call-{call_id}",
            kind=kind,
            sequence=1,  # a first meter step, as the metering writes it: finance counts it
            quantity=Decimal(quantity),
            credits=-Decimal(credits),
            phone_number=SUPPORT_NUMBER,
            occurred_at=timezone.now(),
        )


def _support_pipeline(
    workspace: Workspace, user: User
) -> tuple[Pipeline, PipelineVersion, PhoneNumber]:
    pipeline = pipeline_create(
        workspace=workspace, user=user, name="Support line", template="front_desk"
    )
    version = pipeline_publish(pipeline=pipeline, user=user, note="first", check_models=False)
    number = PhoneNumber.objects.create(
        workspace=workspace, e164=SUPPORT_NUMBER, label="Support", pipeline=pipeline
    )
    return pipeline, version, number


def _record(call: Call) -> None:
    """The recording the worker would have stored: the greeting, the caller, the answer."""
    call.refresh_from_db()
    assert call.connected_at is not None
    started = call.connected_at.timestamp()
    spooled = write_call_ogg(
        spool_path(call_id=call.pk, room_name=call.room_name, started_at=started),
        seconds=95.0,
        caller=[(5.0, 7.8)],
        agent=[(1.2, 4.0), (8.2, 10.5)],
    )
    recording_store(call=call, path=spooled, started_at=started)


def seed_calls(workspace: Workspace, user: User) -> None:
    pipeline, version, number = _support_pipeline(workspace, user)
    t0 = timezone.now() - timedelta(hours=2)

    transferred = call_start(
        workspace=workspace, room_name="call-seed-1", from_number=CALLER,
        to_number=SUPPORT_NUMBER, number=number, pipeline_version=version, at=t0,
    )  # fmt: skip
    call_set_status(call=transferred, status=CallStatus.CONNECTED, at=t0 + timedelta(seconds=1))
    call_set_status(call=transferred, status=CallStatus.ACTIVE, at=t0 + timedelta(seconds=2))
    call_turn_record(
        call=transferred, sequence=0, user_text="",
        agent_text="Thanks for calling Acme. How can I help?", started_at=t0 + timedelta(seconds=2),
        latencies={"tts_first_audio_ms": 180}, trace=_trace(("start", "start", 0.4)),
    )  # fmt: skip
    call_turn_record(
        call=transferred, sequence=1, user_text="I need to speak to a person",
        agent_text="Of course, transferring you now.", started_at=t0 + timedelta(seconds=9),
        latencies={"stt_ms": 210, "engine_first_text_ms": 35, "tts_first_audio_ms": 190,
                   "end_to_end_ms": 640},
        trace=_trace(("classify", "classifier", 2.5), ("to_human", "transfer", 0.8)),
    )  # fmt: skip
    call_event_record(
        call=transferred, kind=CallEventKind.TOOL, name="transfer_call",
        data={"target": "sip:desk@example.com"}, occurred_at=t0 + timedelta(seconds=11),
    )  # fmt: skip
    call_end(
        call=transferred, reason=CallEndReason.TRANSFERRED, transfer_target="sip:desk@example.com",
        usage={"call_seconds": 95}, at=t0 + timedelta(seconds=96),
    )  # fmt: skip
    _bill(
        workspace,
        transferred.pk,
        [
            (LedgerKind.CALL_SECONDS, "95", "316.67"),
            (LedgerKind.ASR_SECONDS, "12", "2.40"),
            (LedgerKind.TTS_CHARACTERS, "72", "1.44"),
        ],
    )

    _record(transferred)

    # What the post-call analysis task leaves (its own tests run it against a model server).
    CallAnalysis.objects.create(
        call=transferred, status=AnalysisStatus.SUCCEEDED, outcome="transferred",
        summary="The caller asked for a person and was transferred to the front desk.",
        fields={"reason": "wants a person", "order_number": None, "callback_wanted": False},
        model_name="Local Llama", input_tokens=412, output_tokens=58, finished_at=timezone.now(),
    )  # fmt: skip

    no_answer = call_start(
        workspace=workspace, room_name="call-seed-2", direction=CallDirection.OUTBOUND,
        from_number=SUPPORT_NUMBER, to_number=OUTBOUND_TARGET, number=number,
        pipeline_version=version, at=t0 + timedelta(minutes=30),
    )  # fmt: skip
    call_end(call=no_answer, reason=CallEndReason.NO_ANSWER, at=t0 + timedelta(minutes=31))
    CallAnalysis.objects.create(
        call=no_answer, status=AnalysisStatus.FAILED, finished_at=timezone.now(),
        error="analysis failed: the model's answer is not a JSON object",
    )  # fmt: skip

    browser_test = call_start(
        workspace=workspace, room_name="test-seed-3", is_test=True, at=t0 + timedelta(minutes=40)
    )
    browser_test.pipeline = pipeline
    browser_test.save(update_fields=["pipeline"])
    call_end(call=browser_test, reason=CallEndReason.CALLER_HANGUP, at=t0 + timedelta(minutes=41))

    in_progress = call_start(
        workspace=workspace, room_name="call-seed-4", from_number="+15551234",
        to_number=SUPPORT_NUMBER, number=number, pipeline_version=version,
    )  # fmt: skip
    call_set_status(call=in_progress, status=CallStatus.ACTIVE)
    call_turn_record(
        call=in_progress, sequence=1, user_text="What are your opening hours?",
        agent_text="We are open nine to five, Monday to Friday.", started_at=timezone.now(),
    )  # fmt: skip
