"""A browser test session: the draft (or a version) compiled once, run turn by turn.

The same engine and tools as a phone call: hang-up and transfer act on the test session
(the session ends, the transfer is shown), and usage is metered as test usage.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.utils import timezone

from betool.access import Actor
from betool.models import Workspace
from pipelines import selectors
from pipelines.chat_tests import (
    ChatTestEnd,
    ChatTestRecord,
    ChatTestStart,
    ChatTestTurn,
    chat_test_recorder,
)
from pipelines.conversations import conversation_open
from pipelines.engine import (
    ActionEvent,
    ActionParams,
    Channel,
    CompiledGraph,
    Conversation,
    Event,
    TextEvent,
    TurnEndEvent,
    VoiceActions,
    compile_graph,
)
from pipelines.nodes.call_control import TransferParams
from pipelines.turn.providers import ProviderRegistry
from pipelines.turn.trace import TurnUsage
from voice_models.adapters import ModelConfig
from voice_models.metering import usage_report_apply
from voice_models.selectors import llm_configs

logger = logging.getLogger(__name__)


class _TurnTranscript:
    """What one turn said and did, gathered from its events for the chat's record."""

    def __init__(self, *, sequence: int, user_text: str) -> None:
        self.sequence = sequence
        self.user_text = user_text
        self.started_at = timezone.now()
        self._started = time.perf_counter()
        self._first_text_ms: float | None = None
        self._texts: list[str] = []
        self.actions: list[ActionParams] = []

    def see(self, event: Event) -> None:
        if isinstance(event, TextEvent):
            if self._first_text_ms is None:
                self._first_text_ms = (time.perf_counter() - self._started) * 1000
            self._texts.append(event.text)
        elif isinstance(event, ActionEvent):
            self.actions.append(event.params)

    def turn(self, end: TurnEndEvent) -> ChatTestTurn:
        latencies = {"end_to_end_ms": round((time.perf_counter() - self._started) * 1000, 1)}
        if self._first_text_ms is not None:
            latencies["engine_first_text_ms"] = round(self._first_text_ms, 1)
        return ChatTestTurn(
            sequence=self.sequence,
            user_text=self.user_text,
            agent_text=" ".join(text.strip() for text in self._texts if text.strip()),
            started_at=self.started_at,
            trace=end.trace.as_dict(),
            reason=end.reason if self.sequence or end.reason != "completed" else "greeting",
            fallback=end.fallback,
            latencies=latencies,
            actions=[{"action": params.kind, **params.as_dict()} for params in self.actions],
        )


@dataclass
class TestSession:
    session_id: str
    pipeline_id: int
    conversation: Conversation
    workspace: Workspace
    # The session's LLM tokens so far, by model: billed as test usage after each turn.
    llm_tokens: TurnUsage = field(default_factory=TurnUsage)
    turns: int = 0
    # Who runs what, for the record the chat leaves under Calls; None leaves none.
    run: ChatTestStart | None = None
    record: ChatTestRecord | None = None
    # The greeting waits for the first message: a test opened and never spoken to is no record.
    greeting: ChatTestTurn | None = None
    exchanges: int = 0
    ended_recorded: bool = False

    @property
    def ledger_source(self) -> str:
        return self.record.ledger_source if self.record else f"test-{self.session_id}"

    async def greet(self) -> AsyncIterator[dict[str, Any]]:
        transcript = _TurnTranscript(sequence=0, user_text="")
        async for event in self.conversation.greet():
            transcript.see(event)
            if isinstance(event, TurnEndEvent):
                self.greeting = transcript.turn(event)
            yield self._out(event)

    async def run_turn(
        self, text: str, *, digits: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        if self.conversation.ended:
            yield {
                "type": "error",
                "code": "session_ended",
                "message": "The pipeline ended this call. Reset to start again.",
            }
            return
        self.exchanges += 1
        shown = text if digits is None else f"{text} [{digits}]".strip()
        transcript = _TurnTranscript(sequence=self.exchanges, user_text=shown)
        async for event in self.conversation.run_turn(text, digits=digits):
            transcript.see(event)
            yield self._out(event)
            if isinstance(event, TurnEndEvent):
                # After the turn is out: the designer does not wait for the record or the ledger.
                turn = transcript.turn(event)
                await self._record(turn)
                await self._bill(event.usage)
                if self.conversation.ended:
                    await self._record_end(*_how_it_ended(transcript.actions))

    async def _record(self, turn: ChatTestTurn) -> None:
        recorder = chat_test_recorder()
        if recorder is None or self.run is None:
            return
        try:
            if self.record is None:
                self.record = await sync_to_async(recorder.start)(self.run)
                if self.greeting is not None:
                    await sync_to_async(recorder.turn)(self.record, self.greeting)
            await sync_to_async(recorder.turn)(self.record, turn)
        except Exception:  # the chat goes on without its record
            logger.exception("recording chat test %s failed", self.session_id)

    async def _record_end(self, ended: ChatTestEnd, transfer_target: str = "") -> None:
        recorder = chat_test_recorder()
        if recorder is None or self.record is None or self.ended_recorded:
            return
        self.ended_recorded = True
        try:
            await sync_to_async(recorder.end)(
                self.record, ended=ended, usage=self._usage(), transfer_target=transfer_target
            )
        except Exception:
            logger.exception("recording the end of chat test %s failed", self.session_id)

    async def _bill(self, usage: TurnUsage) -> None:
        if not usage.tokens:
            return
        self.llm_tokens.absorb(usage)
        self.turns += 1
        await sync_to_async(usage_report_apply)(
            workspace=self.workspace,
            source=self.ledger_source,
            sequence=self.turns,
            usage=self._usage(),
            priced_on=timezone.localdate(),
            occurred_at=timezone.now(),
            pipeline_id=self.pipeline_id,
            is_test=True,
        )

    def _usage(self) -> dict[str, Any]:
        """The session's usage so far, cumulative, as the metering and the record read it."""
        return {"llm_tokens": self.llm_tokens.by_model()}

    def _out(self, event: Event) -> dict[str, Any]:
        payload = event.as_dict()
        if isinstance(event, TurnEndEvent):
            payload["variables"] = dict(self.conversation.variables)
            payload["ended"] = self.conversation.ended
        return payload

    async def close(self) -> None:
        await self._record_end(ChatTestEnd.CLOSED)
        await self.conversation.aclose()


def _how_it_ended(actions: list[ActionParams]) -> tuple[ChatTestEnd, str]:
    """A conversation ends by hanging up or by a transfer (with its target)."""
    for params in reversed(actions):
        if isinstance(params, TransferParams):
            return ChatTestEnd.TRANSFERRED, params.destination[:200]
    return ChatTestEnd.HUNG_UP, ""


def _load(actor: Actor, pipeline_id: int, version: str) -> tuple[dict[str, Any], list[ModelConfig]]:
    pipeline = selectors.pipeline_get(workspace=actor.workspace, pipeline_id=pipeline_id)
    graph = selectors.graph_of(
        pipeline=pipeline, version=version if version == "draft" else int(version)
    )
    return graph, llm_configs(workspace=actor.workspace)


async def _done_in_test(params: ActionParams) -> str:
    return f"{params.kind} done (test session)"


# In a browser test the call-control tools act on the session: they are reported back (the
# transcript shows their events); the engine ends the conversation on hang-up and transfer.
_TEST_VOICE_ACTIONS = VoiceActions(hangup=_done_in_test, transfer=_done_in_test, hold=_done_in_test)


def build_test_session(
    *,
    compiled: CompiledGraph,
    workspace: Workspace,
    pipeline_id: int,
    session_id: str,
    llm_configs: Sequence[ModelConfig] = (),
    providers: ProviderRegistry | None = None,
    caller_number: str = "+10000000000",
    variables: Mapping[str, Any] | None = None,
    run: ChatTestStart | None = None,
) -> TestSession:
    """A test session on a compiled graph: the browser's, and each scenario of a suite.

    It runs on the workspace's ``llm_configs`` with the workspace default model, as a call
    to a number without a model of its own, unless ``providers`` stand in for them. ``run``
    says who runs it, for the record a chat test leaves under Calls; a suite's scenarios
    pass none and leave none.
    """
    conversation = conversation_open(
        compiled=compiled,
        channel=Channel(source_type="browser_test", caller_number=caller_number),
        voice=_TEST_VOICE_ACTIONS,
        llm_configs=llm_configs,
        default_llm=None,
        variables=variables,
        providers=providers,
    )
    return TestSession(
        session_id=session_id,
        pipeline_id=pipeline_id,
        conversation=conversation,
        workspace=workspace,
        run=run,
    )


async def open_test_session(
    *, actor: Actor, pipeline_id: int, version: str, session_id: str
) -> TestSession:
    """Raises ``ApiError`` (not found) or ``GraphInvalid`` (with every problem)."""
    graph, configs = await sync_to_async(_load)(actor, pipeline_id, version)
    # A big graph takes a while to validate and compile: not on the shared event loop.
    compiled = await sync_to_async(compile_graph, thread_sensitive=False)(graph)
    return build_test_session(
        compiled=compiled,
        llm_configs=configs,
        workspace=actor.workspace,
        pipeline_id=pipeline_id,
        session_id=session_id,
        run=ChatTestStart(
            workspace=actor.workspace,
            tester=actor.user,
            pipeline_id=pipeline_id,
            version_number=None if version == "draft" else int(version),
            session_id=session_id,
            started_at=timezone.now(),
        ),
    )
