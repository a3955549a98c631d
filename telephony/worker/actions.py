"""The engine's voice actions carried out on a call: hang up, transfer, hold, collect digits,
barge-in.

The engine calls the ``VoiceActions`` handlers while a turn streams, right after the text
that precedes the action, each with its action's parameters dataclass. A handler never
waits for that speech itself (the speech cannot finish while the graph is still running):
it schedules its work behind the current speech and returns at once. Hold is the exception:
the graph goes on after the hold, so its handler holds the turn until the hold ends.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from pipelines.nodes.agent_tools import BargeInParams
from pipelines.nodes.call_control import HangupParams, HoldParams, TransferParams
from pipelines.nodes.collect_digits import CollectDigitsParams
from pipelines.turn.voice import VoiceActions
from telephony.worker.agent import BetoolAgent
from telephony.worker.dtmf import digits_ready
from telephony.worker.ending import end_call
from telephony.worker.hold import hold_call, wait_for_spoken_audio
from telephony.worker.state import GOODBYE_LINE
from telephony.worker.transfers import transfer_call, warm_transfer_call

if TYPE_CHECKING:
    from telephony.worker.state import CallState

logger = logging.getLogger("betool.worker")


def voice_handlers(state: CallState) -> VoiceActions:
    """The call's handlers of the engine's voice actions."""
    from telephony.models import CallEndReason, CallEventKind

    async def hangup(params: HangupParams) -> str:
        state.recorder.event(CallEventKind.ACTION, "hangup", params.as_dict())
        # The Hang up node said its message; an Agent that ends the call in silence gets ours.
        spoke = bool(state.current_handle is not None and _turn_spoke(state))
        goodbye = None if spoke else GOODBYE_LINE

        async def work() -> None:
            await end_call(state, CallEndReason.AGENT_HANGUP, goodbye=goodbye)

        schedule(state, work, name="betool.hangup")
        return "The call ends after this message."

    async def transfer(params: TransferParams) -> str:
        target = params.destination or state.plan.transfer_target

        async def work() -> None:
            if params.mode == "warm":
                await warm_transfer_call(state, target)
            else:
                await transfer_call(state, target)

        schedule(state, work, name="betool.transfer")
        return f"Transferring the call to {target or 'the default destination'}."

    async def hold(params: HoldParams) -> str:
        # What the graph says after the hold is heard after the music: the handler waits
        # for what was said before it, then holds the turn until the hold ends.
        await wait_for_spoken_audio(state)
        resumed = await hold_call(state, params)
        return f"The caller was on hold; resumed by {resumed}."

    async def collect_digits(params: CollectDigitsParams) -> str:
        state.keypad.expect(params)
        state.recorder.event(CallEventKind.ACTION, "collect_digits", params.as_dict())

        async def start_timer() -> None:
            # The wait for the first key starts once the prompt has been heard.
            state.keypad.wait_for_first_key(digits_ready(state))

        schedule(state, start_timer, name="betool.collect_digits")
        return "Waiting for the caller's digits."

    async def barge_in(params: BargeInParams) -> str:
        state.barge.agent_allows_speech = params.enabled
        handle = state.current_handle
        if handle is not None and not handle.interrupted:
            handle.allow_interruptions = params.enabled
        return f"Barge-in {'on' if params.enabled else 'off'}."

    return VoiceActions(
        hangup=hangup,
        transfer=transfer,
        hold=hold,
        collect_digits=collect_digits,
        barge_in=barge_in,
    )


def schedule(state: CallState, work: Callable[[], Awaitable[None]], *, name: str) -> None:
    """Run ``work`` as a task of the call, once the speech now being generated is over."""
    state.spawn(after_playout(state, work), name=name)


async def after_playout(state: CallState, work: Callable[[], Awaitable[None]]) -> None:
    """Run ``work`` once the speech now being generated has been played (or interrupted)."""
    handle = state.current_handle
    if handle is not None:
        try:
            await handle.wait_for_playout()
        except Exception:  # the speech failed: the action still happens
            logger.debug("speech ended with an error before a voice action", exc_info=True)
        logger.debug("call %s: the speech before a voice action was played", state.plan.call_id)
    await work()


def _turn_spoke(state: CallState) -> bool:
    agent = state.session.current_agent if state.session is not None else None
    current = agent.current_turn if isinstance(agent, BetoolAgent) else None
    return bool(current is not None and current.spoken)
