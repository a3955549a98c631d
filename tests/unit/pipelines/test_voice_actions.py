"""Call-control actions and the conversation: a refused transfer lets the call go on, a
done one ends it; time on hold does not count against the turn's deadline."""

from __future__ import annotations

import asyncio
from typing import Any

from pipelines.nodes.call_control import HoldParams, TransferParams
from pipelines.turn.providers import ProviderRegistry
from pipelines.turn.voice import VoiceActions
from tests.fakes.llm import Script, ScriptedLLM
from tests.unit.pipelines.graphs import (
    chain,
    collect,
    conversation,
    document,
    node,
    start,
    texts,
    turn_end,
)


def _transfer_graph() -> dict[str, Any]:
    nodes = [start(), node("t", "transfer", destination="+15550199", message="Connecting you.")]
    return document(nodes, chain("start", "t"))


async def test_a_refused_transfer_lets_the_conversation_go_on() -> None:
    async def refuse(params: TransferParams) -> bool:
        return False

    talk = conversation(_transfer_graph(), voice=VoiceActions(transfer=refuse))
    events = await collect(talk.run_turn("a person please"))
    assert not talk.ended
    assert "did not work" in turn_end(events).trace.steps[-1].output
    assert texts(await collect(talk.run_turn("still there?"))) == ["Connecting you."]


async def test_a_done_transfer_ends_the_conversation() -> None:
    async def accept(params: TransferParams) -> bool:
        return True

    talk = conversation(_transfer_graph(), voice=VoiceActions(transfer=accept))
    await collect(talk.run_turn("a person please"))
    assert talk.ended


async def test_an_agents_transfer_tool_that_fails_is_reported_to_the_model() -> None:
    async def refuse(params: TransferParams) -> bool:
        return False

    llm = ScriptedLLM(
        Script(tool_calls=[("transfer_call", {"destination": "+15550199"})]),
        Script(text=["I could not connect you, but I can help."]),
    )
    nodes = [start("phone_gateway"), node("a", "agent", mission="Help.", model="m")]
    talk = conversation(
        document(nodes, chain("start", "a")),
        providers=ProviderRegistry(llms={"m": llm}),
        voice=VoiceActions(transfer=refuse),
        source_type="phone_gateway",
    )
    events = await collect(talk.run_turn("transfer me"))
    assert not talk.ended
    assert texts(events) == ["I could not connect you, but I can help."]
    tool_answer = llm.calls[1]["messages"][-1]
    assert "did not work" in tool_answer.content


async def test_time_on_hold_does_not_count_against_the_turn_deadline() -> None:
    async def hold(params: HoldParams) -> None:
        await asyncio.sleep(0.4)  # the caller listens to hold music

    llm = ScriptedLLM(Script(text=["Thanks for holding."]))
    nodes = [
        start(),
        node("h", "hold", message="One moment.", music=True, seconds=1),
        node("a", "agent", mission="Help.", model="m"),
    ]
    talk = conversation(
        document(nodes, chain("start", "h", "a"), turn_timeout_s=0.3),
        providers=ProviderRegistry(llms={"m": llm}),
        voice=VoiceActions(hold=hold),
    )
    events = await collect(talk.run_turn("ok"))
    assert turn_end(events).reason == "completed"
    assert texts(events) == ["One moment.", "Thanks for holding."]


async def test_resume_reopens_a_conversation_whose_transfer_failed_later() -> None:
    async def accept_now(params: TransferParams) -> str:
        return "Transferring."  # the session tries the REFER after the turn

    talk = conversation(_transfer_graph(), voice=VoiceActions(transfer=accept_now))
    await collect(talk.run_turn("a person please"))
    assert talk.ended
    talk.resume()  # the REFER was refused
    assert not talk.ended
    assert texts(await collect(talk.run_turn("hello?"))) == ["Connecting you."]
