"""Call-control handlers of the session (voice worker or browser test) that the engine drives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.engine.events import ActionKind

ActionHandler = Callable[[Mapping[str, Any]], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class VoiceActions:
    """One optional async handler per action; each gets the action's params.

    Handlers are awaited in stream order, right after the text that precedes the action was
    handed on: a handler should queue its action behind speech still playing (say goodbye,
    then hang up). A missing handler makes the action a no-op that still appears as an event.
    """

    hangup: ActionHandler | None = None
    transfer: ActionHandler | None = None
    hold: ActionHandler | None = None
    collect_digits: ActionHandler | None = None
    barge_in: ActionHandler | None = None

    async def perform(self, action: ActionKind, params: Mapping[str, Any]) -> str:
        """Run the handler; the returned text is what an LLM tool call reports back."""
        handler: ActionHandler | None = getattr(self, action)
        if handler is None:
            return f"{action} noted."
        result = await handler(params)
        return "done" if result is None else str(result)
