"""Call-control handlers of the session (voice worker or browser test) that the engine drives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.engine.events import ActionKind

ActionHandler = Callable[[Mapping[str, Any]], Awaitable[object]]


# Actions after which the caller is gone from this conversation, when they succeed.
ENDING_ACTIONS: frozenset[str] = frozenset({"hangup", "transfer"})


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    done: bool  # False: the session could not do it (a refused transfer): the call goes on
    report: str  # what an LLM tool call reports back


@dataclass(frozen=True, slots=True)
class VoiceActions:
    """One optional async handler per action; each gets the action's params.

    Handlers are awaited in stream order, right after the text that precedes the action was
    handed on: a handler should queue its action behind speech still playing (say goodbye,
    then hang up). A handler returns ``False`` when the action failed (the call goes on),
    anything else when it was done. A missing handler makes the action a no-op that still
    appears as an event.
    """

    hangup: ActionHandler | None = None
    transfer: ActionHandler | None = None
    hold: ActionHandler | None = None
    collect_digits: ActionHandler | None = None
    barge_in: ActionHandler | None = None

    async def perform(self, action: ActionKind, params: Mapping[str, Any]) -> ActionOutcome:
        handler: ActionHandler | None = getattr(self, action)
        if handler is None:
            return ActionOutcome(True, f"{action} noted.")
        result = await handler(params)
        if result is False:
            return ActionOutcome(False, f"The {action} did not work; the call goes on.")
        return ActionOutcome(True, "done" if result is None or result is True else str(result))
