"""The worker's agent in text mode, through livekit-agents' own ``AgentSession.run``: the
library's turn handling calls ``BetoolAgent.llm_node``, which runs the graph; no room, no
audio, no server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from livekit.agents import AgentSession, ConversationItemAddedEvent

from telephony.worker import dtmf
from telephony.worker.agent import BetoolAgent, GraphLLM
from telephony.worker.session import build_conversation
from telephony.worker.state import CallState
from tests.unit.pipelines.graphs import chain, document, edge, node, start
from tests.unit.telephony.test_worker_parts import FakeRecorder, fake_state


class TurnRecorder(FakeRecorder):
    def __init__(self) -> None:
        super().__init__()
        self.turns: list[dict[str, Any]] = []

    def turn(self, **record: Any) -> None:
        self.turns.append(record)


def _call(graph: dict[str, Any]) -> CallState:
    state = fake_state()
    state.plan = replace(state.plan, graph=graph)
    state.recorder = TurnRecorder()  # type: ignore[assignment]
    state.conversation = build_conversation(state)
    return state


@contextlib.asynccontextmanager
async def _session(state: CallState) -> AsyncIterator[AgentSession]:
    async with AgentSession[CallState](llm=GraphLLM(), userdata=state) as session:
        state.session = session
        await session.start(BetoolAgent())
        yield session


def _echo_graph() -> dict[str, Any]:
    nodes = [
        start("phone_gateway", greeting=""),
        node("say", "say", text="You said {{ exchange.user_message }}."),
    ]
    return document(nodes, chain("start", "say"))


def _said(result: Any) -> str:
    message = result.expect.next_event().is_message(role="assistant")
    result.expect.no_more_events()
    return str(message.event().item.text_content).strip()


async def test_each_turn_of_a_text_session_is_answered_by_the_graph() -> None:
    state = _call(_echo_graph())
    async with _session(state) as session:
        assert _said(await session.run(user_input="send my bill")) == "You said send my bill."
        # The reply's speech handle, found through the adapter of livekit-agents' private name.
        assert state.current_handle is not None
        assert _said(await session.run(user_input="hello there")) == "You said hello there."
    recorder: Any = state.recorder
    assert [t["user_text"] for t in recorder.turns] == ["send my bill", "hello there"]
    assert [t["trace"]["nodes"][-1]["node_id"] for t in recorder.turns] == ["say", "say"]


def _digits_graph() -> dict[str, Any]:
    nodes = [
        start("phone_gateway", greeting=""),
        node("d", "collect_digits", prompt="Your code?", max_digits=4, terminator=""),
        node("ok", "say", text="Code {{ digits }}."),
        node("none", "say", text="No code."),
    ]
    edges = [*chain("start", "d"), edge("d", "out", "ok"), edge("d", "no_input", "none")]
    return document(nodes, edges)


async def test_keys_pressed_after_a_prompt_are_the_next_turn_with_the_finish_key_kept_empty() -> (
    None
):
    state = _call(_digits_graph())
    async with _session(state) as session:
        assert _said(await session.run(user_input="my code")) == "Your code?"
        replies: list[str] = []
        answered = asyncio.Event()

        @session.on("conversation_item_added")
        def _added(event: ConversationItemAddedEvent) -> None:
            if event.item.type == "message" and event.item.role == "assistant":
                replies.append(str(event.item.text_content).strip())
                answered.set()

        for key in "1#23":  # the caller's keypad, as livekit-sip reports it
            dtmf.on_dtmf(state, key)
        await asyncio.wait_for(answered.wait(), timeout=10)
    assert replies == ["Code 1#23."]
    recorder: Any = state.recorder
    assert recorder.turns[-1]["user_text"] == "[digits] 1#23"
