"""Call-control handlers of the session (voice worker or browser test) that the engine drives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias, TypeVar, get_args

from pipelines.turn.events import ActionParams

if TYPE_CHECKING:
    # Each action's parameters are declared next to the node type that emits it.
    from pipelines.nodes.agent_tools import BargeInParams
    from pipelines.nodes.call_control import HangupParams, HoldParams, TransferParams
    from pipelines.nodes.collect_digits import CollectDigitsParams

P = TypeVar("P", bound=ActionParams)
ActionHandler: TypeAlias = Callable[[P], Awaitable[object]]


# Actions after which the caller is gone from this conversation, when they succeed.
ENDING_ACTIONS: frozenset[str] = frozenset({"hangup", "transfer"})


# What a transfer can end in, each an output of the Transfer node. An outcome whose own
# output is not wired follows ``failed`` when it is a failure.
TransferOutcome = Literal["accepted", "declined", "busy", "no_answer", "failed"]
TRANSFER_OUTCOMES: tuple[TransferOutcome, ...] = get_args(TransferOutcome)
SUCCESS_OUTCOMES: frozenset[str] = frozenset({"accepted"})
FAILED_OUTPUT: TransferOutcome = "failed"


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    done: bool  # False: the session could not do it (a refused transfer): the call goes on
    report: str  # what an LLM tool call reports back


@dataclass(frozen=True, slots=True)
class VoiceActions:
    """One optional async handler per action; each gets its action's params dataclass.

    Handlers are awaited in stream order, right after the text that precedes the action was
    handed on: a handler should queue its action behind speech still playing (say goodbye,
    then hang up). A handler returns ``False`` when the action failed (the call goes on),
    anything else when it was done. A missing handler makes the action a no-op that still
    appears as an event.
    """

    hangup: ActionHandler[HangupParams] | None = None
    transfer: ActionHandler[TransferParams] | None = None
    hold: ActionHandler[HoldParams] | None = None
    collect_digits: ActionHandler[CollectDigitsParams] | None = None
    barge_in: ActionHandler[BargeInParams] | None = None

    async def perform(self, params: ActionParams) -> ActionOutcome:
        action = params.kind
        # The field named by the params' kind takes exactly that params class.
        handler: ActionHandler[ActionParams] | None = getattr(self, action)
        if handler is None:
            return ActionOutcome(True, f"{action} noted.")
        result = await handler(params)
        if result is False:
            return ActionOutcome(False, f"The {action} did not work; the call goes on.")
        return ActionOutcome(True, "done" if result is None or result is True else str(result))
