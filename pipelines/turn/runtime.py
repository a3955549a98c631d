"""The state a node sees while a turn runs, and the two shapes a node's runtime can take.

Instant nodes (say, router, set_variables, keyword classifier) run synchronously and buffer
their few events; async nodes (LLM, HTTP, call control) are async generators that stream.
Keeping instant nodes off the async machinery is most of what makes a 100-node walk cheap.

Templates that do more than substitute values (filters, loops, conditions) may run for up to
the turn's deadline: they run in a small thread pool, so that one designer's template never
stalls the event loop that every other session (and ``/api/health``) shares.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pipelines.template_limits import deadline_scope
from pipelines.templating import CompiledTemplate
from pipelines.turn.chunker import split_sentences
from pipelines.turn.events import ActionParams, Event, TextEvent, VariablesEvent
from pipelines.turn.providers import ProviderRegistry
from pipelines.turn.trace import NodeStep, TurnTrace, TurnUsage
from pipelines.turn.voice import ENDING_ACTIONS, ActionOutcome, VoiceActions

T = TypeVar("T")

# Threads for templates that may be slow: a few, since each holds the GIL while it works.
_TEMPLATE_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="betool-template")


def _within(deadline: float, work: Callable[[], T]) -> T:
    with deadline_scope(deadline):
        return work()


async def off_loop(deadline: float, work: Callable[[], T]) -> T:
    """Runs ``work`` in the template pool; the templates it renders stop at ``deadline``
    (``loop.time()``, which is ``time.monotonic()``)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_TEMPLATE_POOL, functools.partial(_within, deadline, work))


# Names a designer cannot use for a variable: they are the template context's own roots.
RESERVED_NAMES = frozenset({"exchange", "caller", "history", "variables", "args"})


class SessionState:
    """Call-scoped state that survives turns: variables, history, the template scope."""

    __slots__ = (
        "action_node_id",
        "continue_node_id",
        "continued_by",
        "ended",
        "exchange",
        "history",
        "scope",
        "variables",
        "waiting_node_id",
    )

    def __init__(
        self, *, source_type: str, caller_number: str, variables: Mapping[str, Any]
    ) -> None:
        self.variables: dict[str, Any] = {
            name: value for name, value in variables.items() if name not in RESERVED_NAMES
        }
        self.history: list[dict[str, str]] = []
        self.exchange: dict[str, Any] = {
            "user_message": "",
            "intent": None,
            "digits": None,
            "channel": {"source_type": source_type},
        }
        # One dict, updated in place, is the context of every template of the session.
        self.scope: dict[str, Any] = {
            **self.variables,
            "exchange": self.exchange,
            "caller": {"number": caller_number},
            "history": self.history,
            "variables": self.variables,
        }
        self.waiting_node_id: str | None = None
        # The node whose last action's outcome is only known after its turn (a transfer).
        self.action_node_id: str | None = None
        # Where the next turn starts instead of Start (the output an outcome chose).
        self.continue_node_id: str | None = None
        # The node and output that chose it (the next turn's trace starts with that branch).
        self.continued_by: tuple[str, str, str] | None = None
        self.ended = False

    def set_variable(self, name: str, value: Any) -> None:
        self.variables[name] = value
        self.scope[name] = value


class TurnState:
    """One turn in progress. Nodes read the session through it and write events to it."""

    __slots__ = (
        "branch",
        "deadline",
        "digits",
        "pending",
        "providers",
        "recorded",
        "resumed_node_id",
        "session",
        "spoken",
        "start_node_id",
        "step",
        "trace",
        "usage",
        "voice",
    )

    def __init__(
        self,
        *,
        session: SessionState,
        providers: ProviderRegistry,
        voice: VoiceActions,
        trace: TurnTrace,
        deadline: float,
        digits: str | None,
        resumed_node_id: str | None,
        start_node_id: str | None = None,
    ) -> None:
        self.session = session
        self.providers = providers
        self.voice = voice
        self.trace = trace
        self.deadline = deadline
        self.digits = digits
        # The node waiting for this turn (collect digits), which runs again.
        self.resumed_node_id = resumed_node_id
        # Where the walk starts: that node, or the output an action's outcome chose.
        self.start_node_id = start_node_id or resumed_node_id
        self.pending: list[Event] = []
        self.spoken: list[str] = []
        self.usage = TurnUsage()
        self.branch: str | None = None
        self.step: NodeStep = NodeStep("", "")
        # Set once the turn is in the history (see Conversation._record).
        self.recorded = False

    @property
    def scope(self) -> dict[str, Any]:
        return self.session.scope

    def speak(self, events: Sequence[TextEvent]) -> None:
        """Buffer precomputed sentences (instant nodes)."""
        for event in events:
            self.pending.append(event)
            self.spoken.append(event.text)

    def speak_text(self, text: str, *, node_id: str, interruptible: bool) -> list[TextEvent]:
        """Sentences of a text rendered at runtime, recorded as spoken; returns them."""
        events = [TextEvent(s, node_id, interruptible) for s in split_sentences(text)]
        self.spoken.extend(event.text for event in events)
        return events

    async def perform_action(self, params: ActionParams) -> ActionOutcome:
        """Has the session act (hang up, transfer, hold, collect digits).

        Time spent in the action (a caller on hold) is not the engine's: the turn's deadline
        moves by it, so nodes after a hold keep their budget. The conversation ends only
        when an ending action really took effect."""
        loop = asyncio.get_running_loop()
        began = loop.time()
        self.session.action_node_id = self.step.node_id
        outcome = await self.voice.perform(params)
        self.deadline += loop.time() - began
        if outcome.done and params.kind in ENDING_ACTIONS:
            self.session.ended = True
        return outcome

    async def render(
        self, template: CompiledTemplate, scope: Mapping[str, Any] | None = None
    ) -> str:
        """A template of an async node: a plain substitution here, anything else off the loop."""
        context = self.session.scope if scope is None else scope
        if template.is_cheap:
            return template.render(context)
        return await off_loop(self.deadline, functools.partial(template.render, context))

    def set_variables(self, values: Mapping[str, Any]) -> VariablesEvent:
        for name, value in values.items():
            self.session.set_variable(name, value)
        return VariablesEvent(dict(self.session.variables))


class NodeRuntime:
    """A compiled node. Subclasses override ``execute`` (instant) or ``stream`` (async)."""

    __slots__ = ("node_id",)
    is_async = False

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id

    def execute(self, turn: TurnState) -> str | None:
        """Run synchronously; buffer events on ``turn.pending``; return the chosen handle."""
        raise NotImplementedError

    def stream(self, turn: TurnState) -> AsyncIterator[Event]:
        """Run asynchronously, yielding events; set ``turn.branch`` to the chosen handle."""
        raise NotImplementedError
