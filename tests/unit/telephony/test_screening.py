"""Screening an outbound call: the verdict recorded with its evidence, then the greeting or
the voicemail branch; the plan and the outbound request carry the mode."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest

from pipelines.engine import Channel, Conversation, compile_graph
from telephony.models import AnsweredBy, AnsweringMachineMode, Call, CallEventKind, PhoneNumber
from telephony.worker import screening
from telephony.worker.answering_machine import AnsweringMachineDetector
from telephony.worker.state import CallPlan, CallState
from tests.unit.pipelines.test_voicemail_branch import voicemail_graph
from tests.unit.telephony.test_answering_machine import RATE, pcm16, silence, tone, voice


class Session:
    def __init__(self) -> None:
        self.handlers: dict[str, Any] = {}

    def on(self, name: str, handler: Any) -> None:
        self.handlers[name] = handler

    def off(self, name: str, handler: Any) -> None:
        self.handlers.pop(name, None)


class Recorder:
    def __init__(self) -> None:
        self.answered: list[tuple[str, dict[str, Any]]] = []
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def answered_by(self, answered_by: str, evidence: dict[str, Any]) -> None:
        self.answered.append((answered_by, evidence))

    def event(self, kind: str, name: str, data: dict[str, Any] | None = None) -> None:
        self.events.append((kind, name, data or {}))


def call_state(mode: str = "auto", graph: dict | None = None) -> CallState:
    plan = CallPlan(
        call_id=1, workspace_id=1, room_name="r", number_e164="+1", caller_number="+2",
        pipeline_id=1, version_id=1, version_number=1, graph={}, language="en",
        max_call_duration_s=0, silence_timeout_s=0, transfer_target="", is_test=True,
        asr=None, tts=None, llms=(), default_llm=None, answering_machine=mode,  # type: ignore[arg-type]
    )  # fmt: skip
    state = CallState(plan=plan, ctx=None, recorder=Recorder())  # type: ignore[arg-type]
    state.session = Session()  # type: ignore[assignment]
    state.conversation = Conversation(
        compile_graph(graph or voicemail_graph()), channel=Channel(source_type="phone_gateway")
    )
    return state


async def line(*parts: np.ndarray) -> AsyncIterator[tuple[bytes, int]]:
    """The callee's line in 20 ms frames, then silence as a live line goes on sending."""
    audio = pcm16(np.concatenate(parts))
    for start in range(0, len(audio), 640):
        yield audio[start : start + 640], RATE
        await asyncio.sleep(0)
    while True:
        yield bytes(640), RATE
        await asyncio.sleep(0)


async def run(state: CallState, frames: AsyncIterator[tuple[bytes, int]]) -> list[bool]:
    opened: list[bool] = []

    def speak(voicemail: bool) -> None:
        opened.append(voicemail)
        if voicemail:
            state.ending = True  # the branch's Hang up ends the call

    state.screening = screening.AnswerScreening(AnsweringMachineDetector())
    await screening.screen_frames(state, frames, speak=speak)
    return opened


def test_a_person_is_greeted_once_decided_and_the_verdict_is_recorded() -> None:
    state = call_state()
    opened = asyncio.run(run(state, line(silence(0.2), voice(0.6))))
    assert opened == [False]
    recorder = state.recorder
    assert isinstance(recorder, Recorder)
    [(answered_by, evidence)] = recorder.answered
    assert answered_by == "person"
    assert evidence["reason"] == "short_greeting_then_pause"
    assert evidence["greeting_s"] == pytest.approx(0.6, abs=0.1)
    assert evidence["beep_at_s"] is None
    assert evidence["decision_limit_s"] == 4.0


def test_a_voicemail_gets_its_branch_after_the_beep_with_the_beep_in_the_evidence() -> None:
    state = call_state()
    opened = asyncio.run(run(state, line(voice(4.0), silence(0.3), tone(0.4, hz=1000.0))))
    assert opened == [True]
    recorder = state.recorder
    assert isinstance(recorder, Recorder)
    [(answered_by, evidence)] = recorder.answered
    assert answered_by == "machine"
    assert evidence["reason"] == "long_greeting"
    assert evidence["beep_at_s"] == pytest.approx(4.3, abs=0.05)
    assert evidence["beep_hz"] == pytest.approx(1000, abs=25)
    assert evidence["message_cue"] == "beep"
    assert evidence["message_at_s"] == pytest.approx(4.7, abs=0.05)


def test_the_transcript_of_the_session_counts_as_evidence() -> None:
    state = call_state()

    async def scenario() -> list[bool]:
        async def frames() -> AsyncIterator[tuple[bytes, int]]:
            session = state.session
            assert isinstance(session, Session)
            async for frame in line(voice(0.5)):
                yield frame
                handler = session.handlers.get("user_input_transcribed")
                if handler is not None:
                    handler(
                        type("Ev", (), {"is_final": True, "transcript": "please leave a message"})
                    )

        return await run(state, frames())

    assert asyncio.run(scenario()) == [True]
    recorder = state.recorder
    assert isinstance(recorder, Recorder)
    assert recorder.answered[0][1]["phrases"] == ["leave a message"]


def test_turns_are_held_while_screening_on_a_machine_and_for_the_greeting_heard() -> None:
    held = screening.AnswerScreening(AnsweringMachineDetector())
    assert held.holds_turn(speech_ended_at=None)
    detector = AnsweringMachineDetector()
    detector.push_pcm(pcm16(np.concatenate([voice(0.5), silence(1.0)])), RATE)
    person = screening.AnswerScreening(detector, decided_at=100.0)
    assert person.verdict is not None
    assert person.verdict.answered_by == "person"
    assert person.holds_turn(speech_ended_at=99.0)  # "Hello?": the greeting decided on
    assert not person.holds_turn(speech_ended_at=101.0)  # what the person says next
    machine = AnsweringMachineDetector()
    machine.push_pcm(pcm16(voice(3.0)), RATE)
    assert screening.AnswerScreening(machine, decided_at=1.0).holds_turn(speech_ended_at=5.0)


def test_who_is_screened() -> None:
    plain = voicemail_graph()
    plain["edges"] = [e for e in plain["edges"] if e["sourceHandle"] != "voicemail"]
    assert screening.screens(call_state("auto"))
    assert not screening.screens(call_state("auto", plain))
    assert screening.screens(call_state("detect", plain))
    assert not screening.screens(call_state("ignore"))


def test_an_outbound_call_carries_the_mode_to_the_plan(
    number: PhoneNumber, monkeypatch: pytest.MonkeyPatch
) -> None:
    from telephony import services
    from telephony.worker.plan import load_plan

    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(services, "_dispatch_after_commit", lambda **kw: sent.append(kw))
    call = services.call_outbound_create(
        number=number, to_number="+15550111", answering_machine=AnsweringMachineMode.IGNORE
    )
    assert sent[0]["metadata"]["answering_machine"] == "ignore"
    plan = load_plan(room_name="r-out", metadata=sent[0]["metadata"], attributes={})
    assert plan.answering_machine == "ignore"
    unset = load_plan(room_name="r-out", metadata={"call_id": call.pk}, attributes={})
    assert unset.answering_machine == "auto"
    inbound = load_plan(room_name="r-in", metadata={"answering_machine": "detect"},
                        attributes={"sip.trunkPhoneNumber": number.e164})  # fmt: skip
    assert inbound.answering_machine == "ignore"  # an inbound caller is never screened


def test_the_verdict_is_kept_on_the_call_and_in_its_events(number: PhoneNumber) -> None:
    from telephony.services import call_answered_by_record, call_start

    call = call_start(workspace=number.workspace, room_name="r", number=number)
    evidence = {"answered_by": "machine", "reason": "beep", "beep_at_s": 3.2}
    call_answered_by_record(call=call, answered_by=AnsweredBy.MACHINE, evidence=evidence)
    call = Call.objects.get(pk=call.pk)
    assert call.answered_by == "machine"
    assert call.answered_by_evidence == evidence
    event = call.events.get(name="answered_by")
    assert event.kind == CallEventKind.ACTION
    assert event.data["beep_at_s"] == 3.2


@pytest.fixture
def number(workspace: Any) -> PhoneNumber:
    from pipelines.models import Pipeline, PipelineVersion

    graph = voicemail_graph()
    pipeline = Pipeline.objects.create(workspace=workspace, name="Reminder", draft=graph)
    PipelineVersion.objects.create(pipeline=pipeline, number=1, graph=graph)
    return PhoneNumber.objects.create(workspace=workspace, e164="+15550100", pipeline=pipeline)
