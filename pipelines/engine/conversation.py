"""Conversation: one per call or test session; runs the compiled graph once per caller turn.

The walk is the hot path. It allocates one trace step per node, reuses precomputed events,
runs instant nodes without touching the event loop, and turns every failure (node error,
provider error, timeout, iteration limit) into the pipeline's fallback line: nothing raises
out of ``run_turn``.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from time import perf_counter
from typing import Any, Literal

from pipelines.engine.compiler import CompiledGraph, CompiledNode
from pipelines.nodes.start import VOICEMAIL_OUTPUT
from pipelines.turn.events import Event, NodeExitEvent, TurnEndEvent, TurnEndReason
from pipelines.turn.providers import ProviderRegistry
from pipelines.turn.runtime import SessionState, TurnState, off_loop
from pipelines.turn.trace import NodeStep, TurnTrace
from pipelines.turn.voice import FAILED_OUTPUT, SUCCESS_OUTCOMES, VoiceActions
from voice_models.llm.types import LLMError

SourceType = Literal["phone_gateway", "browser_test"]


@dataclass(frozen=True, slots=True)
class Channel:
    source_type: SourceType
    caller_number: str = ""


def _describe(error: Exception) -> str:
    if isinstance(error, LLMError):
        return f"language model error ({error.kind}): {error}"
    return f"{type(error).__name__}: {error}"


class Conversation:
    def __init__(
        self,
        compiled: CompiledGraph,
        *,
        channel: Channel,
        providers: ProviderRegistry | None = None,
        voice: VoiceActions | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        self._graph = compiled
        self._session = SessionState(
            source_type=channel.source_type,
            caller_number=channel.caller_number,
            variables=variables or {},
        )
        self._providers = providers or ProviderRegistry()
        self._voice = voice or VoiceActions()
        self._turn_count = 0
        # The turn whose events are being handed on, until it is recorded.
        self._open_turn: TurnState | None = None

    @property
    def providers(self) -> ProviderRegistry:
        return self._providers

    @property
    def fallback_line(self) -> str:
        """What a failed turn says: the document's line, or the one default wording."""
        return self._graph.fallback_line

    @property
    def variables(self) -> Mapping[str, Any]:
        return self._session.variables

    async def warm(self) -> None:
        """Connects to the model providers before the first turn needs them."""
        await self._providers.warm()

    async def aclose(self) -> None:
        """Closes the providers' connections (the conversation is over)."""
        await self._providers.aclose()

    @property
    def history(self) -> list[dict[str, str]]:
        """``[{"role": "caller" | "agent", "text": ...}]`` of the whole session."""
        return self._session.history

    @property
    def ended(self) -> bool:
        """True once the pipeline hung up or transferred the caller."""
        return self._session.ended

    def resume(self) -> None:
        """The session could not carry out an ending action after all (a transfer the
        telephone network refused once the turn was over): the conversation goes on."""
        self._session.ended = False

    def continue_on(self, outcome: str) -> bool:
        """An action's outcome arrived after its turn (a transfer the network answered):
        the next turn starts on that output of the node that asked for it, or on its
        ``failed`` output for a failure it does not name. False when neither is wired:
        the next turn starts at Start, as any other."""
        session = self._session
        node = self._graph.nodes.get(session.action_node_id or "")
        session.action_node_id = None
        if node is None:
            return False
        choices = (outcome,) if outcome in SUCCESS_OUTCOMES else (outcome, FAILED_OUTPUT)
        for handle in choices:
            following = node.next_by_handle.get(handle)
            if following is not None:
                session.ended = False
                session.continue_node_id = following.id
                session.continued_by = (node.id, node.type, handle)
                return True
        return False

    @property
    def has_voicemail_branch(self) -> bool:
        """True when the Start node's voicemail output leads somewhere."""
        return self._graph.voicemail is not None

    def answered_by_machine(self) -> bool:
        """A voicemail took the call: the next turn runs the Start node's voicemail branch
        (its trace starts with that output). False when the output is open."""
        following = self._graph.voicemail
        if following is None:
            return False
        session = self._session
        session.continue_node_id = following.id
        session.continued_by = (self._graph.start_id, "start", VOICEMAIL_OUTPUT)
        return True

    @property
    def waiting_for_digits(self) -> bool:
        return self._session.waiting_node_id is not None

    def _new_turn(
        self, user_message: str, digits: str | None, *, greeting: bool = False
    ) -> TurnState:
        if self._open_turn is not None:
            # The session stopped reading the last turn without closing it (its task was
            # cancelled between events): record it now, before this turn changes the state.
            self._record(self._open_turn)
        # The greeting is turn 0; caller turns count from 1.
        self._turn_count += 0 if greeting else 1
        session = self._session
        exchange = session.exchange
        exchange["user_message"] = user_message
        exchange["intent"] = None
        exchange["digits"] = digits
        resumed = session.waiting_node_id
        start = resumed or session.continue_node_id
        continued_by = None if resumed else session.continued_by
        session.waiting_node_id = session.continue_node_id = session.continued_by = None
        turn = TurnState(
            session=session,
            providers=self._providers,
            voice=self._voice,
            trace=TurnTrace(self._turn_count, user_message, digits),
            deadline=asyncio.get_running_loop().time() + self._graph.turn_timeout_s,
            digits=digits,
            resumed_node_id=resumed,
            start_node_id=start,
        )
        if continued_by is not None:
            # The turn goes on from an outcome that arrived after the node's own turn: its
            # trace says which node and output led here, as if the walk had just left it.
            node_id, node_type, handle = continued_by
            turn.trace.steps.append(NodeStep(node_id, node_type, branch=handle, output=handle))
        self._open_turn = turn
        return turn

    def _record(self, turn: TurnState) -> None:
        """Put the turn in the history, once: what the caller said, what was handed on."""
        if turn.recorded:
            return
        turn.recorded = True
        if self._open_turn is turn:
            self._open_turn = None
        history = self._session.history
        if turn.trace.user_message:
            history.append({"role": "caller", "text": turn.trace.user_message})
        if turn.spoken:
            history.append({"role": "agent", "text": " ".join(turn.spoken)})

    async def greet(self) -> AsyncIterator[Event]:
        """The Start node's greeting (empty greeting: just the turn_end)."""
        began = perf_counter()
        turn = self._new_turn("", None, greeting=True)
        reason: TurnEndReason = "completed"
        try:
            text = await turn.render(self._graph.greeting)
            events = turn.speak_text(
                text,
                node_id=self._graph.start_id,
                interruptible=self._graph.greeting_interruptible,
            )
        # Whatever the greeting's template raises, the caller hears the fallback line.
        except Exception as error:  # noqa: BLE001
            reason = "node_error"
            turn.trace.detail = f"greeting failed: {_describe(error)}"
            events = list(self._graph.fallback_events)
            turn.spoken.extend(event.text for event in events)
        try:
            for event in events:
                yield event
        finally:
            self._record(turn)
        turn.trace.reason = reason
        turn.trace.ms = (perf_counter() - began) * 1000
        yield TurnEndEvent(turn.trace, turn.usage, reason, reason != "completed")

    async def run_turn(  # noqa: C901 - one walk on purpose (see below): the hottest loop
        self, user_message: str, *, digits: str | None = None
    ) -> AsyncIterator[Event]:
        """Run one caller turn; yields events and always ends with one ``turn_end``.

        The walk is written out in one function on purpose: a helper generator per node
        would add a frame and a yield hop to every event of every node.
        """
        began = perf_counter()
        graph = self._graph
        turn = self._new_turn(user_message, digits)
        resumed = graph.nodes.get(turn.start_node_id) if turn.start_node_id else None
        node: CompiledNode | None = resumed or graph.first
        trace = turn.trace
        pending = turn.pending
        node_events = graph.node_events
        limit = graph.iteration_limit
        visits: dict[CompiledNode, int] = {}
        reason: TurnEndReason = "completed"
        loop = asyncio.get_running_loop()
        step = turn.step
        try:
            if self._session.ended:
                node = None
                trace.detail = "the call has ended"
            try:
                while node is not None:
                    count = visits.get(node, 0) + 1
                    if count > limit:
                        reason = "iteration_limit"
                        trace.detail = f"node {node.id} reached {limit} visits in one turn"
                        break
                    visits[node] = count
                    step = turn.step = NodeStep(node.id, node.type)
                    trace.steps.append(step)
                    if node_events:
                        yield node.enter_event
                    started = perf_counter()
                    if node.is_async:
                        turn.branch = None
                        async for event in node.runtime.stream(turn):
                            yield event
                        branch = turn.branch
                    else:
                        if node.off_loop:
                            execute = functools.partial(node.runtime.execute, turn)
                            branch = await off_loop(turn.deadline, execute)
                        else:
                            branch = node.runtime.execute(turn)
                        if pending:
                            for event in pending:
                                yield event
                            pending.clear()
                    step.ms = (perf_counter() - started) * 1000
                    step.branch = branch
                    if node_events:
                        yield NodeExitEvent(node.id, step.ms, step.output, branch)
                    if branch is None:
                        break
                    following = node.next_by_handle.get(branch)
                    if following is None and branch == "error":
                        reason = "node_error"
                        trace.detail = f"node {node.id} failed and its error output is open"
                        step.error = str(step.output)
                    node = following
                    if node is not None and node.is_async and loop.time() > turn.deadline:
                        raise TimeoutError
            except TimeoutError:
                reason = "timeout"
                trace.detail = f"the turn took longer than {graph.turn_timeout_s:g}s"
                step.error = "timeout"
            # A node that fails, whatever it raises (a provider, a template, an HTTP
            # request), gives the caller the fallback line: never silence.
            except Exception as error:  # noqa: BLE001
                reason = "node_error"
                step.error = _describe(error)
                trace.detail = f"node {step.node_id} failed: {step.error}"
            pending.clear()
            fallback = reason != "completed"
            if fallback:
                for event in graph.fallback_events:
                    turn.spoken.append(event.text)
                    yield event
        finally:
            # Also reached when the session stops listening (barge-in): history keeps what
            # was handed on before the interruption.
            self._record(turn)
        trace.reason = reason
        trace.ms = (perf_counter() - began) * 1000
        yield TurnEndEvent(trace, turn.usage, reason, fallback)
