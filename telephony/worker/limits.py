"""A call's limits: its maximum length, the caller's silence (re-prompt, then hang up), and
its credit (see ``usage.usage_reports``). The silence clock runs on the caller's and the
agent's state changes, which ``on_user_state`` and ``on_agent_state`` take from the session.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from pipelines.no_input import SILENCE_GOODBYE_LINE, SILENCE_PROMPT_LINE, silence_ends_call
from telephony.worker.ending import end_call
from telephony.worker.state import MAX_DURATION_LINE
from telephony.worker.usage import usage_reports

if TYPE_CHECKING:
    from telephony.worker.state import CallState

logger = logging.getLogger("betool.worker")


def start_limits(state: CallState) -> None:
    """Once the call is answered: its length limit, its silence watch, its usage reports."""
    plan = state.plan
    if plan.max_call_duration_s > 0:
        state.spawn(max_duration(state), name="betool.max_duration")
    if plan.silence_timeout_s > 0:
        state.spawn(silence_watch(state), name="betool.silence")
    state.spawn(usage_reports(state), name="betool.usage_reports")


async def max_duration(state: CallState) -> None:
    from telephony.models import CallEndReason

    await asyncio.sleep(state.plan.max_call_duration_s)
    await end_call(state, CallEndReason.MAX_DURATION, goodbye=MAX_DURATION_LINE, interrupt=True)


async def silence_watch(state: CallState, *, tick: float = 0.25) -> None:
    """Re-prompt after ``silence_timeout_s`` of caller silence; hang up after a second one.

    The clock runs only while the agent listens: not while it speaks, thinks, or holds.
    """
    from telephony.models import CallEndReason, CallEventKind

    timeout = state.plan.silence_timeout_s
    while not state.ending:
        await asyncio.sleep(tick)
        session = state.session
        if session is None or state.on_hold:
            state.last_activity = time.monotonic()
            continue
        if session.agent_state != "listening" or session.user_state == "speaking":
            state.last_activity = time.monotonic()
            continue
        if time.monotonic() - state.last_activity < timeout:
            continue
        state.last_activity = time.monotonic()
        state.silence_prompts += 1
        state.recorder.event(CallEventKind.LIFECYCLE, "silence", {"prompts": state.silence_prompts})
        if silence_ends_call(state.silence_prompts):
            await end_call(state, CallEndReason.SILENCE_TIMEOUT, goodbye=SILENCE_GOODBYE_LINE)
            return
        session.say(SILENCE_PROMPT_LINE)


def on_user_state(state: CallState, new_state: str) -> None:
    logger.debug("user %s at %.3f", new_state, time.perf_counter())
    state.last_activity = time.monotonic()
    if new_state == "speaking":
        state.silence_prompts = 0
        state.user_speaking_since = time.perf_counter()
    elif new_state == "listening" and state.user_speaking_since is not None:
        state.last_user_speech_end = time.perf_counter()
        state.user_speaking_since = None


def on_agent_state(state: CallState, new_state: str) -> None:
    logger.debug("agent %s at %.3f", new_state, time.perf_counter())
    state.last_activity = time.monotonic()
