"""Transfers on the caller's side: outcomes from SIP answers, the warm transfer's summary and
the person's decision, and the graph going on from the Transfer node's outputs."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from livekit import api

from pipelines.engine import Channel, Conversation, compile_graph
from pipelines.turn.trace import TurnUsage
from telephony.worker import transfers
from telephony.worker.call_summary import CallSummary, summarize, transcript_summary
from telephony.worker.outbound import transfer_outcome
from telephony.worker.state import TRANSFER_BUSY_LINE, TRANSFER_FAILED_LINE
from telephony.worker.warm_transfer import Decision, briefing_text, dial_and_brief
from telephony.worker.warm_transfer import WarmTransferTarget as Target
from tests.fakes.llm import Script, ScriptedLLM
from tests.unit.pipelines.graphs import chain, collect, document, edge, node, start
from tests.unit.telephony.test_worker_parts import fake_state
from voice_models.llm.types import LLMError, Usage

HISTORY = [
    {"role": "agent", "text": "Hello, how can I help?"},
    {"role": "caller", "text": "My router keeps dropping the line."},
    {"role": "agent", "text": "Let me get a technician."},
    {"role": "caller", "text": "Thanks, it is urgent."},
]


def _sip_error(status: str) -> Exception:
    return api.TwirpError("unavailable", "failed", status=503, metadata={"sip_status_code": status})


def test_sip_answers_become_transfer_outcomes() -> None:
    assert transfer_outcome(_sip_error("486")) == "busy"
    assert transfer_outcome(_sip_error("603")) == "declined"
    assert transfer_outcome(_sip_error("480")) == "no_answer"
    assert transfer_outcome(_sip_error("500")) == "failed"
    assert transfer_outcome(RuntimeError("twirp error unknown")) == "failed"


def test_the_transcript_summary_quotes_the_caller() -> None:
    text = transcript_summary(HISTORY, caller_number="+15550199")
    assert text.startswith("A caller from +15550199 is holding for you.")
    assert "router keeps dropping the line. Thanks, it is urgent." in text
    assert "not said anything" in transcript_summary([], caller_number="")
    long = [{"role": "caller", "text": "x" * 1000}]
    assert len(transcript_summary(long, caller_number="")) < 400


def test_the_language_model_summarises_when_there_is_one() -> None:
    llm = ScriptedLLM(Script(text=["Caller's router drops; ", "wants a technician."]))
    summary = asyncio.run(summarize(HISTORY, caller_number="+1", llm=llm))
    assert summary == CallSummary(
        text="Caller's router drops; wants a technician.",
        source="llm",
        llm_usage=TurnUsage({"fake-model": Usage(input_tokens=10, output_tokens=5)}),
    )
    sent = llm.calls[0]["messages"]
    assert sent[0].role == "system"
    assert "Caller: My router keeps dropping the line." in sent[1].content


def test_a_failing_or_slow_model_gives_the_transcript_summary() -> None:
    failing = ScriptedLLM(Script(error=LLMError("down", kind="server")))
    slow = ScriptedLLM(Script(text=["late"], delay_s=1.0))
    for llm, timeout in ((failing, 5.0), (slow, 0.05)):
        summary = asyncio.run(summarize(HISTORY, caller_number="", llm=llm, timeout_s=timeout))
        assert summary.source == "transcript"
        assert "it is urgent" in summary.text
    assert "Press 1" in briefing_text(CallSummary("Summary.", "transcript"))


class FakeRoom:
    def __init__(self) -> None:
        self.handlers: dict[str, Any] = {}

    def on(self, event: str, handler: Any) -> None:
        self.handlers[event] = handler


def _key(digit: str, identity: str) -> Any:
    return type("DTMF", (), {"digit": digit, "participant": type("P", (), {"identity": identity})})


def test_the_person_decides_by_key_or_by_hanging_up() -> None:
    async def decide(*events: tuple[str, Any]) -> str | None:
        room = FakeRoom()
        decision = Decision(room, "person")  # type: ignore[arg-type]
        for name, value in events:
            room.handlers[name](value)
        return decision.future.result() if decision.future.done() else None

    left = type("P", (), {"identity": "person"})
    assert asyncio.run(decide(("sip_dtmf_received", _key("1", "person")))) == "accepted"
    assert asyncio.run(decide(("sip_dtmf_received", _key("2", "person")))) == "declined"
    assert asyncio.run(decide(("participant_disconnected", left))) == "declined"
    # Someone else's key, or another key, decides nothing.
    assert asyncio.run(decide(("sip_dtmf_received", _key("1", "caller")))) is None
    assert asyncio.run(decide(("sip_dtmf_received", _key("5", "person")))) is None


def test_a_number_without_an_outbound_trunk_cannot_warm_transfer() -> None:
    target = Target(
        call_id=1, caller_room="call-1", destination="+1555", trunk_id="", from_number="",
        ringing_s=5,
    )  # fmt: skip
    result = asyncio.run(
        dial_and_brief(
            None,  # type: ignore[arg-type]
            target,
            CallSummary("s", "transcript"),
            tts=None,  # type: ignore[arg-type]
            url="",
            caller_room=None,  # type: ignore[arg-type]
            caller="",
        )
    )
    assert result.outcome == "failed"
    assert result.error == "the number's trunk has no outbound side to dial the person on"
    assert result.bridge is None
    assert target.consult_room == "call-1-consult"


class SpeakingSession:
    def __init__(self) -> None:
        self.said: list[str] = []
        self.replies = 0

    def say(self, text: str, **_: Any) -> None:
        self.said.append(text)

    def generate_reply(self, **_: Any) -> None:
        self.replies += 1


def _state_with_graph(*wired: str) -> Any:
    nodes = [
        start(receiver="phone_gateway"),
        node("t", "transfer", destination="+15550111", mode="warm"),
        *(node(f"say_{h}", "say", text=f"After {h}.") for h in wired),
    ]
    doc = document(nodes, [*chain("start", "t"), *(edge("t", h, f"say_{h}") for h in wired)])
    state = fake_state()
    state.plan = replace(state.plan, graph=doc)
    state.session = SpeakingSession()  # type: ignore[assignment]
    state.conversation = Conversation(
        compile_graph(doc), channel=Channel("phone_gateway"), voice=None
    )
    return state


def test_a_failed_transfer_is_told_and_a_wired_output_gets_a_turn() -> None:
    async def scenario(*wired: str, outcome: str) -> Any:
        state = _state_with_graph(*wired)
        await collect(state.conversation.run_turn("transfer me"))
        transfers.transfer_failed(state, target="+15550111", outcome=outcome, error="486")
        if state.pending_outcome:
            state.pending_outcome = None  # what the agent's next turn takes
            spoken = [e.text async for e in state.conversation.run_turn("") if e.type == "text"]
            return state, spoken
        return state, []

    state, spoken = asyncio.run(scenario("busy", outcome="busy"))
    assert state.session.said == [TRANSFER_BUSY_LINE]
    assert state.session.replies == 1
    assert spoken == ["After busy."]
    failed = next(e for e in state.recorder.events if e[1] == "transfer_failed")[2]
    assert failed == {"target": "+15550111", "error": "486", "outcome": "busy"}

    state, spoken = asyncio.run(scenario(outcome="failed"))
    assert state.session.said == [TRANSFER_FAILED_LINE]
    assert state.session.replies == 0  # nothing wired: the call goes on at Start
    assert not state.conversation.ended


def test_an_accepted_transfer_runs_the_accepted_output_with_nobody_to_hear() -> None:
    async def scenario() -> Any:
        state = _state_with_graph("accepted")
        await collect(state.conversation.run_turn("transfer me"))
        await transfers.transfer_accepted(state, target="+15550111", mode="warm")
        return state

    state = asyncio.run(scenario())
    assert state.ending
    assert state.end_reason == "transferred"
    assert state.transfer_target_done == "+15550111"
    assert ("action", "transferred", {"target": "+15550111", "mode": "warm"}) in [
        (str(k), n, d) for k, n, d in state.recorder.events
    ]
    assert state.conversation.history[-1] == {"role": "agent", "text": "After accepted."}
