"""A Collect digits node through the worker: its action reaches the call's keypad, the keys
the caller presses come back as the next turn's digits, and the node's finish key is kept
as the designer set it (an empty one stays empty: ``#`` is then a digit like any other)."""

from __future__ import annotations

import asyncio
from typing import Any

from pipelines.engine import Channel, Conversation, compile_graph
from pipelines.nodes.collect_digits import CollectDigitsParams
from telephony.worker import actions, dtmf
from tests.unit.pipelines.graphs import chain, collect, document, edge, node, start, texts
from tests.unit.telephony.test_worker_parts import fake_state


def _digits_graph(terminator: str) -> dict[str, Any]:
    nodes = [
        start("phone_gateway"),
        node("d", "collect_digits", prompt="Your code?", max_digits=4, terminator=terminator),
        node("ok", "say", text="Code {{ digits }}."),
        node("none", "say", text="No code."),
    ]
    edges = [*chain("start", "d"), edge("d", "out", "ok"), edge("d", "no_input", "none")]
    return document(nodes, edges)


async def _call(terminator: str, keys: str) -> tuple[list[Any], list[str], Any]:
    state = fake_state()
    talk = Conversation(
        compile_graph(_digits_graph(terminator)),
        channel=Channel(source_type="phone_gateway", caller_number="+15550100"),
        voice=actions.voice_handlers(state),
    )
    first = await collect(talk.run_turn("my code"))
    await asyncio.sleep(0)  # the first key's wait starts once the prompt is heard
    for key in keys:
        dtmf.on_dtmf(state, key)
    digits = state.keypad.take_digits()
    second = await collect(talk.run_turn("", digits=digits))
    return first, texts(second), state


async def test_an_empty_finish_key_stays_empty_through_the_worker() -> None:
    first, said, state = await _call("", "1#23")
    (action,) = [event for event in first if event.type == "action"]
    assert action.params == CollectDigitsParams(max_digits=4, terminator="", timeout_s=10.0)
    assert state.recorder.events[0][2]["terminator"] == ""
    # "#" finished nothing: the four keys, "#" among them, are the digits.
    assert state.session.replies == [{"user_input": "1#23"}]
    assert said == ["Code 1#23."]


async def test_the_hash_finish_key_ends_the_digits_through_the_worker() -> None:
    _, said, state = await _call("#", "12#")
    assert state.session.replies == [{"user_input": "12"}]
    assert said == ["Code 12."]
