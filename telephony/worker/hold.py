"""Holding the caller: music (or silence) until a key is pressed or the hold's time is up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Literal

from livekit.agents import AudioConfig, BackgroundAudioPlayer, BuiltinAudioClip, PlayHandle

from pipelines.nodes.call_control import HoldParams
from telephony.worker.agent import BetoolAgent
from telephony.worker.livekit_private import background_audio_tail_s

if TYPE_CHECKING:
    from telephony.worker.state import CallState

logger = logging.getLogger("betool.worker")

HoldEnd = Literal["caller", "timeout", "nobody"]
HOLD_MUSIC_VOLUME = 0.5


async def hold_call(state: CallState, params: HoldParams) -> HoldEnd:
    """Hold (music unless ``music`` is false) until a key is pressed or ``seconds`` pass.

    Returns who ended the hold: ``"caller"`` or ``"timeout"`` (``"nobody"``: no hold, the
    call is ending or has no session).
    """
    from telephony.models import CallEventKind, CallStatus

    session = state.session
    if session is None or state.ending:
        return "nobody"
    timeout = params.seconds
    state.on_hold = True
    state.hold_resume.clear()
    state.recorder.status(CallStatus.ON_HOLD)
    state.recorder.event(CallEventKind.ACTION, "hold", {"seconds": timeout})
    session.input.set_audio_enabled(False)
    play = await play_hold_music(state) if params.music else None
    resumed: HoldEnd = "timeout"
    try:
        await asyncio.wait_for(state.hold_resume.wait(), timeout=timeout)
        resumed = "caller"
    except TimeoutError:
        pass
    finally:
        if play is not None:
            await stop_hold_music(state, play)
        state.on_hold = False
        session.input.set_audio_enabled(True)
        state.last_activity = time.monotonic()
    if not state.ending:
        state.recorder.status(CallStatus.ACTIVE)
        state.recorder.event(CallEventKind.ACTION, "resume", {"by": resumed})
    return resumed


async def play_hold_music(state: CallState) -> PlayHandle | None:
    """Hold music to the caller, looping, until the returned handle is stopped (None when
    the player cannot start: the hold goes on in silence)."""
    try:
        if state.background is None:
            state.background = BackgroundAudioPlayer()
            await state.background.start(room=state.ctx.room)
        return state.background.play(
            AudioConfig(BuiltinAudioClip.HOLD_MUSIC, volume=HOLD_MUSIC_VOLUME), loop=True
        )
    except Exception:
        logger.warning("hold music unavailable on call %s", state.plan.call_id, exc_info=True)
        return None


async def stop_hold_music(state: CallState, play: PlayHandle) -> None:
    """Stop the music and, unless the call is ending, wait until the caller has heard its
    buffered tail: the line after a hold is never spoken over the music."""
    play.stop()
    if state.ending:
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(play.wait_for_playout(), timeout=1)
    await asyncio.sleep(background_audio_tail_s())


async def wait_for_spoken_audio(state: CallState, *, limit_s: float = 30.0) -> None:
    """Wait until the audio synthesised so far in this speech has been played out.

    Used from inside a turn (the speech itself is still open): the TTS node counts the
    audio it pushed, playout runs in real time from the first frame.
    """
    loop = asyncio.get_running_loop()
    give_up = loop.time() + limit_s
    await asyncio.sleep(0.05)  # let the text just yielded reach the TTS
    agent = state.session.current_agent if state.session is not None else None
    while loop.time() < give_up:
        handle = state.current_handle
        if handle is not None and handle.interrupted:
            return
        meter = agent.audio_meter if isinstance(agent, BetoolAgent) else None
        if meter is None or meter.played_out(idle_s=0.15):
            return
        await asyncio.sleep(0.05)
