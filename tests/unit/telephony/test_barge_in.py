"""Barge-in modes (none, speech, DTMF, any) and sensitivities, per number and per node."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from betool.models import Workspace
from pipelines.barge_in import BargeInPolicy, NodeBargeIn, greeting_override, node_overrides
from pipelines.models import Pipeline, PipelineVersion
from pipelines.nodes.collect_digits import CollectDigitsParams
from telephony.models import PhoneNumber
from telephony.worker import dtmf
from telephony.worker.barge_in import TUNING, BargeInControl
from telephony.worker.plan import load_plan
from telephony.worker.session import turn_handling
from tests.unit.telephony.test_worker_parts import FakeSession, fake_state

GRAPH = {
    "nodes": [
        {"id": "start", "type": "start", "data": {"config": {"barge_in": "none"}}},
        {"id": "menu", "type": "say", "data": {"config": {"barge_in": "dtmf"}}},
        {
            "id": "legal",
            "type": "say",
            "data": {"config": {"barge_in": "number", "barge_in_sensitivity": "low"}},
        },
        {"id": "plain", "type": "say", "data": {"config": {"text": "hi"}}},
        {"id": "odd", "type": "say", "data": {"config": {"barge_in": "sometimes"}}},
    ]
}


class FakeHandle:
    def __init__(self) -> None:
        self.allow_interruptions = True
        self.interrupted = False


class FakeVAD:
    def __init__(self) -> None:
        self.thresholds: list[float] = []

    def update_options(self, *, activation_threshold: float) -> None:
        self.thresholds.append(activation_threshold)


class TunedSession:
    def __init__(self) -> None:
        self.options = type("Options", (), {"interruption": {"min_duration": 0.0}})()


def test_modes_say_what_interrupts() -> None:
    assert [
        (p.speech_interrupts, p.keys_interrupt)
        for p in (BargeInPolicy(mode=m) for m in ("none", "speech", "dtmf", "any"))
    ] == [(False, False), (True, False), (False, True), (True, True)]
    assert BargeInPolicy() == BargeInPolicy(mode="any", sensitivity="medium")


def test_a_node_overrides_the_number_and_number_keeps_it() -> None:
    overrides = node_overrides(GRAPH)
    assert overrides == {
        "start": NodeBargeIn(mode="none"),
        "menu": NodeBargeIn(mode="dtmf"),
        "legal": NodeBargeIn(sensitivity="low"),
    }
    number = BargeInPolicy(mode="speech", sensitivity="high")
    control = BargeInControl(number=number, nodes=overrides)
    assert control.policy_for("menu") == BargeInPolicy(mode="dtmf", sensitivity="high")
    assert control.policy_for("legal") == BargeInPolicy(mode="speech", sensitivity="low")
    assert control.policy_for("plain") == number
    assert greeting_override(GRAPH) == NodeBargeIn(mode="none")
    assert node_overrides({"nodes": "garbage"}) == {}


def test_sensitivity_sets_the_vad_threshold_and_the_interruption_minimum() -> None:
    low, medium, high = (TUNING[s] for s in ("low", "medium", "high"))
    assert low.vad_activation_threshold > medium.vad_activation_threshold
    assert medium.vad_activation_threshold > high.vad_activation_threshold
    assert low.min_interruption_s > medium.min_interruption_s > high.min_interruption_s
    options = turn_handling("vad", sensitivity="low")["interruption"]
    assert options["mode"] == "vad"
    assert options["min_duration"] == low.min_interruption_s


def test_the_speaking_nodes_policy_holds_for_its_text() -> None:
    control = BargeInControl(number=BargeInPolicy(), nodes=node_overrides(GRAPH))
    session, vad = TunedSession(), FakeVAD()

    def speak(node_id: str, interruptible: bool = True) -> FakeHandle:
        handle = FakeHandle()
        control.on_text(
            node_id=node_id,
            interruptible=interruptible,
            handle=handle,  # type: ignore[arg-type]
            session=session,  # type: ignore[arg-type]
            vad=vad,
        )
        return handle

    assert speak("plain").allow_interruptions is True
    assert control.keys_interrupt
    assert speak("menu").allow_interruptions is False  # keys only
    assert control.keys_interrupt
    assert speak("start").allow_interruptions is False
    assert not control.keys_interrupt
    legal = speak("legal")
    assert legal.allow_interruptions is True
    assert session.options.interruption["min_duration"] == TUNING["low"].min_interruption_s
    # Applied once per change: the number's medium on the first text, then the node's low.
    assert vad.thresholds == [
        TUNING["medium"].vad_activation_threshold,
        TUNING["low"].vad_activation_threshold,
    ]
    # A Say node that is not interruptible, or the agent's set_barge_in(false), win.
    assert speak("plain", interruptible=False).allow_interruptions is False
    control.agent_allows_speech = False
    assert speak("plain").allow_interruptions is False
    assert vad.thresholds[-1] == TUNING["medium"].vad_activation_threshold


@pytest.mark.parametrize(
    ("mode", "interrupts"), [("none", 0), ("speech", 0), ("dtmf", 1), ("any", 1)]
)
def test_a_key_outside_a_collection_interrupts_only_when_the_mode_says(
    mode: str, interrupts: int
) -> None:
    async def scenario() -> Any:
        state = fake_state()
        state.barge = BargeInControl(number=BargeInPolicy(mode=mode))  # type: ignore[arg-type]
        dtmf.on_dtmf(state, "5")
        return state.session

    session: FakeSession = asyncio.run(scenario())
    assert session.interrupted == interrupts
    assert session.replies == [{"user_input": "5"}]  # the key still reaches the graph


def test_digits_being_collected_end_the_prompt_whatever_the_mode() -> None:
    async def scenario() -> Any:
        state = fake_state()
        state.barge = BargeInControl(number=BargeInPolicy(mode="none"))
        state.keypad.expect(CollectDigitsParams(max_digits=1, terminator="#", timeout_s=5))
        dtmf.on_dtmf(state, "3")
        return state.session

    session: FakeSession = asyncio.run(scenario())
    assert session.interrupted == 1


def test_a_numbers_barge_in_reaches_the_call_plan(workspace: Workspace) -> None:
    pipeline = Pipeline.objects.create(workspace=workspace, name="P", draft={})
    PipelineVersion.objects.create(pipeline=pipeline, number=1, graph={})
    PhoneNumber.objects.create(
        workspace=workspace,
        e164="+15550100",
        pipeline=pipeline,
        barge_in_mode="dtmf",
        barge_in_sensitivity="low",
    )
    plan = load_plan(
        room_name="call-x", metadata={}, attributes={"sip.trunkPhoneNumber": "+15550100"}
    )
    assert plan.barge_in == BargeInPolicy(mode="dtmf", sensitivity="low")
