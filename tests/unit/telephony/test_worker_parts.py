"""Parts of the voice worker that need no LiveKit server: plan, recorder, DTMF, adapters."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest

from betool.models import Workspace
from pipelines.models import Pipeline, PipelineVersion
from pipelines.nodes.collect_digits import CollectDigitsParams
from telephony.models import Call, CallEndReason, CallEventKind, CallStatus, PhoneNumber
from telephony.selectors import CallRejected
from telephony.worker import dtmf, transfers, usage
from telephony.worker.plan import caller_number, dialled_number, load_plan, parse_metadata
from telephony.worker.recorder import CallRecorder
from telephony.worker.state import CallPlan, CallState, TurnTiming
from voice_models.adapters import ModelConfig, build_stt, build_tts
from voice_models.models import VoiceModel, VoiceModelKind, VoiceProvider
from voice_models.provider_http import speech_http_session_close


@pytest.fixture
def number(workspace: Workspace) -> PhoneNumber:
    graph = {"schema_version": 2, "nodes": [], "edges": [], "settings": {"fallback_line": "Oops."}}
    pipeline = Pipeline.objects.create(workspace=workspace, name="P", draft=graph)
    PipelineVersion.objects.create(pipeline=pipeline, number=1, graph=graph)
    tts = VoiceModel.objects.create(
        workspace=workspace, name="Voice", kind=VoiceModelKind.TTS,
        provider=VoiceProvider.LOCAL_ESPEAK, voice="en-us",
    )  # fmt: skip
    VoiceModel.objects.create(
        workspace=workspace, name="gpt", kind=VoiceModelKind.LLM,
        provider=VoiceProvider.OPENAI_COMPATIBLE, model="llama", base_url="http://127.0.0.1:9/v1",
        api_key="k",
    )  # fmt: skip
    return PhoneNumber.objects.create(
        workspace=workspace, e164="+15550100", pipeline=pipeline, tts_model=tts,
        silence_timeout_s=7, max_call_duration_s=60, transfer_target="+15550199",
    )  # fmt: skip


def test_metadata_and_sip_attributes() -> None:
    assert parse_metadata('{"number": "+1555", "call_id": 3}') == {"number": "+1555", "call_id": 3}
    assert parse_metadata("not json") == {}
    assert parse_metadata("[1]") == {}
    attributes = {"sip.trunkPhoneNumber": "+15550100", "sip.phoneNumber": "+15551234"}
    assert dialled_number({}, attributes) == "+15550100"
    assert dialled_number({"number": "+15550111"}, attributes) == "+15550111"
    assert caller_number({}, attributes) == "+15551234"
    assert caller_number({"from": "+1999"}, {}) == "+1999"


def test_plan_of_an_inbound_call_creates_the_call(number: PhoneNumber) -> None:
    plan = load_plan(
        room_name="call-1",
        metadata={},
        attributes={"sip.trunkPhoneNumber": number.e164, "sip.phoneNumber": "+15551234"},
    )
    call = Call.objects.get(pk=plan.call_id)
    assert call.status == CallStatus.CONNECTED
    assert call.connected_at is not None
    assert call.from_number == "+15551234"
    assert call.to_number == number.e164
    assert plan.silence_timeout_s == 7
    assert plan.max_call_duration_s == 60
    assert plan.transfer_target == "+15550199"
    assert plan.graph["settings"]["fallback_line"] == "Oops."
    assert plan.tts is not None
    assert plan.tts.provider == "local_espeak"
    assert plan.asr is None
    assert [m.name for m in plan.llms] == ["gpt"]
    assert plan.llms[0].api_key == "k"


def test_plan_of_an_outbound_call_uses_the_call_made_beforehand(number: PhoneNumber) -> None:
    from telephony.services import call_start

    version = PipelineVersion.objects.get()
    call = call_start(
        workspace=number.workspace, room_name="pending", number=number, pipeline_version=version
    )
    plan = load_plan(room_name="call-2", metadata={"call_id": call.pk}, attributes={})
    assert plan.call_id == call.pk
    call.refresh_from_db()
    assert call.room_name == "call-2"
    assert call.status == CallStatus.CONNECTED


def test_an_outbound_calls_variables_reach_the_pipelines_templates(number: PhoneNumber) -> None:
    from dataclasses import replace

    from telephony.services import call_start
    from telephony.worker.session import build_conversation
    from tests.unit.pipelines.graphs import document, start

    version = PipelineVersion.objects.get()
    call = call_start(
        workspace=number.workspace, room_name="pending", number=number, pipeline_version=version
    )
    metadata = {"call_id": call.pk, "variables": {"customer": "Ada", "call_id": 999}}
    plan = load_plan(room_name="call-4", metadata=metadata, attributes={})
    assert plan.variables == {"customer": "Ada", "call_id": 999}

    greeting = "Hello {{ customer }}, this is about call {{ call_id }}."
    graph = document(
        [start(receiver="phone_gateway", greeting=greeting)],
        [],
        input_variables=["customer", "call_id"],  # declared by the designer
    )
    state = fake_state()
    state.plan = replace(plan, graph=graph)

    async def greet() -> list[str]:
        return [e.text for e in [e async for e in build_conversation(state).greet()]
                if e.type == "text"]  # fmt: skip

    # The placer's name is read; the call's own id wins over the one it sent.
    assert asyncio.run(greet()) == [f"Hello Ada, this is about call {call.pk}."]


def test_plan_of_an_unknown_number_is_rejected(number: PhoneNumber) -> None:
    with pytest.raises(CallRejected):
        load_plan(room_name="call-3", metadata={"number": "+19999999"}, attributes={})


def test_turn_timing_figures() -> None:
    timing = TurnTiming(user_speech_end=1.0, engine_start=1.5, first_text=1.502)
    timing.first_audio = 1.6
    timing.engine_end = 1.51
    assert timing.as_latencies() == {
        "engine_first_text_ms": 2.0,
        "engine_total_ms": 10.0,
        "tts_first_audio_ms": 98.0,
        "end_of_speech_to_engine_ms": 500.0,
        "end_to_end_ms": 600.0,
    }


def test_recorder_writes_in_batches_off_the_caller_path(
    transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from betool.models import User
    from betool.services import workspace_create
    from telephony.calls.billing import call_usage_bill_batch
    from telephony.services import call_start
    from telephony.worker import usage_batch

    batcher = usage_batch.UsageBatcher(bill=call_usage_bill_batch, flush_interval_s=0.01)
    monkeypatch.setattr(usage_batch, "_batcher", batcher)

    owner = User.objects.create_user("rec", "r@example.com", "x")
    workspace = workspace_create(name="Rec", owner=owner)
    call = call_start(workspace=workspace, room_name="call-rec", status=CallStatus.CONNECTED)

    async def scenario() -> CallRecorder:
        recorder = CallRecorder(call)
        recorder.start()
        recorder.status(CallStatus.ACTIVE)
        for n in range(1, 6):
            recorder.turn(sequence=n, user_text=f"u{n}", agent_text=f"a{n}")
        recorder.event(CallEventKind.TOOL, "lookup", {"ok": True})
        # (Written first: the batcher's thread would meet the recorder's in the in-memory
        # SQLite test database, which has no busy wait between threads.)
        await recorder.flush()
        # The interval report goes to the process's batcher, which says the balance after it.
        balance = await recorder.usage_report(
            {"call_seconds": 1.0, "tts_characters": 40}, sequence=1
        )
        assert balance == Decimal("-4.53")  # 1 s of call (3.33) and 40 characters (1.20)
        await recorder.flush()
        recorder.end(
            CallEndReason.AGENT_HANGUP,
            usage_fn=lambda: {"call_seconds": 1.5, "tts_characters": 90, "asr_seconds": 2.0},
        )
        await recorder.aclose()
        return recorder

    try:
        recorder = asyncio.run(scenario())
    finally:
        batcher.close()
    call.refresh_from_db()
    assert call.status == CallStatus.ENDED
    assert call.end_reason == CallEndReason.AGENT_HANGUP
    assert call.usage == {"call_seconds": 1.5, "tts_characters": 90, "asr_seconds": 2.0}
    assert call.active_at is not None
    assert list(call.turns.values_list("agent_text", flat=True)) == [f"a{n}" for n in range(1, 6)]
    assert recorder.written == 8
    assert batcher.reports_billed == 1
    assert recorder.failed == 0
    assert recorder.batches < recorder.written  # batched, not one trip per record
    # Billed through the metering: the interval report, then the closing one on top.
    from betool.models import LedgerEntry, LedgerKind

    tts = LedgerEntry.objects.filter(source=f"call-{call.pk}", kind=LedgerKind.TTS_CHARACTERS)
    assert sorted(e.quantity for e in tts) == [40, 50]
    assert LedgerEntry.objects.filter(
        source=f"call-{call.pk}", kind=LedgerKind.ASR_SECONDS
    ).exists()


class FakeSession:
    def __init__(self) -> None:
        self.replies: list[Any] = []
        self.interrupted = 0

    def interrupt(self, **_: Any) -> None:
        self.interrupted += 1

    def generate_reply(self, **kwargs: Any) -> None:
        self.replies.append(kwargs)


class FakeRecorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def event(self, kind: str, name: str, data: dict[str, Any] | None = None) -> None:
        self.events.append((kind, name, data or {}))

    def status(self, status: str, **_: Any) -> None:
        self.events.append(("status", status, {}))


def fake_state() -> CallState:
    plan = CallPlan(
        call_id=1, workspace_id=1, room_name="r", number_e164="+1", caller_number="+2",
        pipeline_id=1, version_id=1, version_number=1, graph={}, language="en",
        max_call_duration_s=0, silence_timeout_s=0, transfer_target="", is_test=True,
        asr=None, tts=None, llms=(), default_llm=None,
    )  # fmt: skip
    state = CallState(plan=plan, ctx=None, recorder=FakeRecorder())  # type: ignore[arg-type]
    state.session = FakeSession()  # type: ignore[assignment]
    return state


def _asked(
    *, max_digits: int = 8, terminator: str = "#", timeout_s: float = 5
) -> CollectDigitsParams:
    return CollectDigitsParams(max_digits=max_digits, terminator=terminator, timeout_s=timeout_s)


def test_dtmf_digits_are_delivered_on_the_finish_key() -> None:
    async def scenario() -> CallState:
        state = fake_state()
        state.keypad.expect(_asked(terminator="#"))
        for digit in "123#":
            dtmf.on_dtmf(state, digit)
        return state

    state = asyncio.run(scenario())
    assert state.keypad.take_digits() == "123"
    assert state.session.replies == [{"user_input": "123"}]  # type: ignore[union-attr]
    assert not state.keypad.collecting
    assert [e[1] for e in state.recorder.events] == ["digit"] * 4  # type: ignore[attr-defined]


def test_an_empty_finish_key_stays_empty_and_hash_is_a_digit() -> None:
    async def scenario() -> CallState:
        state = fake_state()
        state.keypad.expect(_asked(max_digits=4, terminator=""))
        for digit in "12#":
            dtmf.on_dtmf(state, digit)
        assert state.keypad.collecting  # "#" finished nothing
        dtmf.on_dtmf(state, "9")
        return state

    state = asyncio.run(scenario())
    assert state.keypad.take_digits() == "12#9"
    assert state.session.replies == [{"user_input": "12#9"}]  # type: ignore[union-attr]


def test_a_star_finish_key_ends_on_star_only() -> None:
    async def scenario() -> CallState:
        state = fake_state()
        state.keypad.expect(_asked(terminator="*"))
        for digit in "5#6*":
            dtmf.on_dtmf(state, digit)
        return state

    assert asyncio.run(scenario()).keypad.take_digits() == "5#6"


def test_dtmf_digits_are_delivered_at_the_expected_count_or_after_a_pause() -> None:
    async def scenario() -> tuple[CallState, CallState]:
        counted = fake_state()
        counted.keypad.expect(_asked(max_digits=2))
        dtmf.on_dtmf(counted, "4")
        dtmf.on_dtmf(counted, "2")
        paused = fake_state()
        paused.keypad.expect(_asked(timeout_s=0.05))
        dtmf.on_dtmf(paused, "7")
        await asyncio.sleep(0.2)
        return counted, paused

    counted, paused = asyncio.run(scenario())
    assert counted.keypad.take_digits() == "42"
    assert paused.keypad.take_digits() == "7"


def test_a_collection_without_any_key_ends_after_its_wait_with_no_digits() -> None:
    async def scenario() -> CallState:
        state = fake_state()
        state.keypad.expect(_asked(timeout_s=0.05))
        state.keypad.wait_for_first_key(dtmf.digits_ready(state))
        await asyncio.sleep(0.2)
        return state

    state = asyncio.run(scenario())
    assert state.keypad.take_digits() == ""
    assert state.session.replies == [{"user_input": "#"}]  # type: ignore[union-attr]


def test_a_key_resumes_a_hold() -> None:
    async def scenario() -> CallState:
        state = fake_state()
        state.on_hold = True
        dtmf.on_dtmf(state, "5")
        return state

    state = asyncio.run(scenario())
    assert state.hold_resume.is_set()
    assert state.keypad.take_digits() is None


def test_transfer_targets_become_sip_uris() -> None:
    assert transfers.sip_uri("+15550199") == "tel:+15550199"
    assert transfers.sip_uri("sip:desk@example.com") == "sip:desk@example.com"


async def test_speech_providers_default_to_the_offline_voices() -> None:
    from livekit.agents import stt as agents_stt
    from livekit.agents import tts as agents_tts
    from livekit.plugins import silero

    from voice_models.local.stt import WhisperSTT
    from voice_models.local.tts import EspeakTTS

    vad = silero.VAD.load()
    recognizer = build_stt(None, vad=vad)
    assert isinstance(recognizer, agents_stt.StreamAdapter)
    assert isinstance(recognizer.wrapped_stt, WhisperSTT)
    assert isinstance(build_tts(None), EspeakTTS)
    cloud = ModelConfig(name="dg", kind="tts", provider="deepgram", api_key="key")
    fallback = build_tts(cloud)
    assert isinstance(fallback, agents_tts.FallbackAdapter)
    assert [type(t).__name__ for t in fallback._tts_instances] == ["TTS", "EspeakTTS"]
    cloud_asr = ModelConfig(name="dg", kind="asr", provider="deepgram", api_key="key")
    assert isinstance(build_stt(cloud_asr, vad=vad), agents_stt.FallbackAdapter)
    assert json.dumps(cloud.__dict__)  # plain data, safe to hand to the event loop
    await speech_http_session_close()


async def test_a_streaming_recognizer_ends_turns_by_its_own_endpointing() -> None:
    """Deepgram's speech_final ends the turn at the VAD's pause, with no VAD wait on top;
    batch recognizers (local, OpenAI) wait for Silero's silence."""
    from dataclasses import replace

    from livekit.plugins import silero

    from telephony.worker.session import default_speech, turn_handling
    from voice_models.adapters import END_OF_TURN_SILENCE_S

    vad = silero.VAD.load()
    local = fake_state().plan
    deepgram = replace(
        local, asr=ModelConfig(name="dg", kind="asr", provider="deepgram", api_key="key")
    )
    openai = replace(
        local, asr=ModelConfig(name="oa", kind="asr", provider="openai", api_key="key")
    )
    assert default_speech(local, vad).turn_detection == "vad"
    assert default_speech(openai, vad).turn_detection == "vad"
    speech = default_speech(deepgram, vad)
    assert speech.turn_detection == "stt"
    primary = speech.stt._stt_instances[0]
    assert primary._opts.endpointing_ms == round(END_OF_TURN_SILENCE_S * 1000)
    assert turn_handling("stt")["turn_detection"] == "stt"
    assert turn_handling("stt")["endpointing"]["min_delay"] == 0.0
    await speech_http_session_close()
    assert turn_handling("vad")["turn_detection"] == "vad"


def test_sip_failures_become_call_outcomes() -> None:
    from livekit import api

    from telephony.worker.outbound import failure_reason

    def twirp(status: str) -> Exception:
        return api.TwirpError("unavailable", "call failed", status=503,
                              metadata={"sip_status_code": status})  # fmt: skip

    assert failure_reason(twirp("486")) == CallEndReason.BUSY
    assert failure_reason(twirp("480")) == CallEndReason.NO_ANSWER
    assert failure_reason(twirp("603")) == CallEndReason.REJECTED
    assert failure_reason(RuntimeError("request timed out")) == CallEndReason.NO_ANSWER
    assert failure_reason(RuntimeError("boom")) == CallEndReason.ERROR


def test_an_outbound_call_is_created_ringing_then_dispatched(
    number: PhoneNumber, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from telephony.services import call_outbound_create
    from telephony.worker.outbound import load_dial

    settings.LIVEKIT_URL = ""
    settings.LIVEKIT_ENABLED = False
    with django_capture_on_commit_callbacks(execute=True):
        call = call_outbound_create(number=number, to_number="+1 (555) 010-0999")
    call.refresh_from_db()
    assert call.direction == "outbound"
    assert call.to_number == "+15550100999"
    assert call.from_number == number.e164
    # LiveKit is not configured here: the dispatch fails, and the call says so.
    assert call.status == CallStatus.ENDED
    assert call.end_reason == CallEndReason.ERROR
    assert call.events.filter(name="dispatch_failed").exists()
    assert load_dial(call.pk) is None  # an ended call is not dialled


def test_outbound_calls_respect_the_workspace_limit(number: PhoneNumber) -> None:
    from telephony.services import call_outbound_create, call_start

    workspace = number.workspace
    workspace.max_concurrent_calls = 1
    workspace.save()
    call_start(workspace=workspace, room_name="busy", status=CallStatus.ACTIVE)
    with pytest.raises(CallRejected) as info:
        call_outbound_create(number=number, to_number="+15550111")
    assert info.value.reason == "too_many_calls"


def test_what_an_outbound_call_dials(number: PhoneNumber) -> None:
    from telephony.models import CallDirection, Trunk
    from telephony.services import call_start
    from telephony.worker.outbound import load_dial

    trunk = Trunk.objects.create(
        workspace=number.workspace, name="Carrier", livekit_outbound_trunk_id="ST_out"
    )
    number.trunk = trunk
    number.save()
    call = call_start(
        workspace=number.workspace, room_name="r", direction=CallDirection.OUTBOUND,
        from_number=number.e164, to_number="+15550123", number=number,
    )  # fmt: skip
    target = load_dial(call.pk)
    assert target is not None
    assert (target.to_number, target.from_number, target.trunk_id) == (
        "+15550123", number.e164, "ST_out",
    )  # fmt: skip
    inbound = call_start(workspace=number.workspace, room_name="r2", number=number)
    assert load_dial(inbound.pk) is None


def test_a_running_call_ends_when_the_credits_run_out_if_the_workspace_chose_so(
    transactional_db: None, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """Interval reports go through the process's batcher to the ledger for real; the call
    whose billed report leaves the balance spent ends, if its workspace chose so."""
    from dataclasses import replace
    from decimal import Decimal

    from betool.models import LedgerEntry, LedgerKind, User
    from betool.services import ledger_credit, workspace_create
    from telephony.calls.billing import call_usage_bill_batch
    from telephony.services import call_start
    from telephony.worker import usage_batch

    owner = User.objects.create_user("zero", "z@example.com", "x")
    workspace = workspace_create(name="Zero", owner=owner)
    # 10 credits: three seconds of call time at 200 credits a minute.
    ledger_credit(workspace=workspace, credits=Decimal(10), kind=LedgerKind.TOP_UP,
                  reason="a little", user=None)  # fmt: skip
    settings.VOICE_USAGE_REPORT_INTERVAL_S = 0.01
    batcher = usage_batch.UsageBatcher(bill=call_usage_bill_batch, flush_interval_s=0.01)
    monkeypatch.setattr(usage_batch, "_batcher", batcher)
    ended: list[tuple[str, str | None]] = []

    async def fake_end_call(state: CallState, reason: str, **kwargs: Any) -> None:
        ended.append((reason, kwargs.get("goodbye")))
        state.ending = True

    monkeypatch.setattr(usage, "end_call", fake_end_call)
    seconds = iter(range(1, 10_000))
    monkeypatch.setattr(
        "telephony.worker.usage.collect_usage", lambda state: {"call_seconds": next(seconds)}
    )

    def run(end_at_zero: bool) -> Call:
        call = call_start(workspace=workspace, room_name=f"zero-{end_at_zero}")
        state = fake_state()
        state.plan = replace(state.plan, call_id=call.pk, workspace_id=workspace.pk,
                             end_at_zero_balance=end_at_zero)  # fmt: skip
        state.recorder = CallRecorder(call)

        async def scenario() -> None:
            task = asyncio.create_task(usage.usage_reports(state))
            for _ in range(200):  # until the call ends, or its reports spent 2 credits
                await asyncio.sleep(0.05)
                if task.done() or ended or batcher.reports_billed >= 12:
                    break
            state.ending = True
            await asyncio.wait_for(task, 10)

        asyncio.run(scenario())
        return call

    try:
        kept = run(end_at_zero=False)
        assert ended == []
        assert LedgerEntry.objects.filter(source=f"call-{kept.pk}").exists()
        stopped = run(end_at_zero=True)
    finally:
        batcher.close()
    assert ended[0][0] == "out_of_credit"
    assert "run out of credit" in (ended[0][1] or "")
    assert LedgerEntry.objects.filter(source=f"call-{stopped.pk}").exists()
    assert batcher.batches >= 2


def test_the_usage_batcher_bills_the_latest_report_of_each_call_once_per_batch() -> None:
    from concurrent.futures import wait
    from datetime import date
    from decimal import Decimal

    from django.utils import timezone

    from telephony.worker.usage_batch import UsageBatcher
    from voice_models.metering import UsageReport

    batches: list[list[tuple[str, int]]] = []

    def bill(reports: Any) -> dict[int, Decimal]:
        batches.append(sorted((r.source, r.sequence) for r in reports))
        return {7: Decimal("-1.50")}

    def build(source: str, sequence: int) -> Any:
        return lambda: UsageReport(
            workspace=Workspace(pk=7), source=source, sequence=sequence, usage={},
            priced_on=date(2026, 12, 1), occurred_at=timezone.now(),
        )  # fmt: skip

    batcher = UsageBatcher(bill=bill, flush_interval_s=0.2)
    submitted = [("call-1", 2), ("call-2", 1), ("call-1", 3), ("call-1", 1), ("call-2", 1)]
    futures = [batcher.submit(source=s, sequence=n, build=build(s, n)) for s, n in submitted]
    # A call that ends stops waiting for its report (which is billed all the same).
    ended = batcher.submit(source="call-3", sequence=4, build=build("call-3", 4))
    assert ended.cancel()
    done, _ = wait(futures, timeout=10)
    assert len(done) == len(futures)
    assert batches == [[("call-1", 3), ("call-2", 1), ("call-3", 4)]]
    assert [f.result() for f in futures] == [Decimal("-1.50")] * len(futures)
    later = batcher.submit(source="call-1", sequence=4, build=build("call-1", 4))
    assert later.result(timeout=10) == Decimal("-1.50")  # the batcher went on
    batcher.close()
    assert batches[-1] == [("call-1", 4)]

    def failing(reports: Any) -> dict[int, Decimal]:
        raise RuntimeError("database unreachable")

    broken = UsageBatcher(bill=failing, flush_interval_s=0.01)
    future = broken.submit(source="call-3", sequence=1, build=build("call-3", 1))
    with pytest.raises(RuntimeError, match="unreachable"):
        future.result(timeout=10)
