"""Voice tools of a call: hang up, transfer, hold, DTMF digits, call-length and silence limits.

The engine calls the ``VoiceActions`` handlers while a turn streams, right after the text
that precedes the action. A handler never waits for that speech itself (the speech cannot
finish while the graph is still running): it schedules its work behind the current speech
and returns at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from livekit import api, rtc

from pipelines.no_input import SILENCE_GOODBYE_LINE, SILENCE_PROMPT_LINE, silence_ends_call
from pipelines.nodes.agent_tools import BargeInParams
from pipelines.nodes.call_control import HangupParams, HoldParams, TransferParams
from pipelines.nodes.collect_digits import CollectDigitsParams
from pipelines.turn.voice import TransferOutcome, VoiceActions
from telephony.worker import transfers
from telephony.worker.agent import BetoolAgent
from telephony.worker.dtmf import DigitsReady
from telephony.worker.livekit_private import background_audio_tail_s
from telephony.worker.state import (
    GOODBYE_LINE,
    MAX_DURATION_LINE,
    OUT_OF_CREDIT_LINE,
    CallState,
)

logger = logging.getLogger("betool.worker")


def _kinds() -> Any:
    from telephony import models

    return models


async def after_playout(state: CallState, work: Callable[[], Awaitable[None]]) -> None:
    """Run ``work`` once the speech now being generated has been played (or interrupted)."""
    handle = state.current_handle
    if handle is not None:
        try:
            await handle.wait_for_playout()
        except Exception:  # the speech failed: the action still happens
            logger.debug("speech ended with an error before a voice action", exc_info=True)
    await work()


def schedule(state: CallState, work: Callable[[], Awaitable[None]], *, name: str) -> None:
    state.spawn(after_playout(state, work), name=name)


# -- ending the call --


async def end_call(
    state: CallState,
    reason: str,
    *,
    goodbye: str | None = None,
    interrupt: bool = False,
) -> None:
    """Say goodbye (if asked), then take the caller out and close the room; the job ends."""
    if state.ending:
        return
    state.ending = True
    state.end_reason = reason
    session = state.session
    if session is not None and goodbye:
        try:
            if interrupt:
                await session.interrupt(force=True)
            handle = session.say(goodbye, allow_interruptions=False)
            await asyncio.wait_for(handle.wait_for_playout(), timeout=15)
        except Exception:
            logger.warning("could not say goodbye on call %s", state.plan.call_id, exc_info=True)
    await disconnect_caller(state)


async def disconnect_caller(state: CallState) -> None:
    ctx = state.ctx
    room_name = ctx.room.name
    if state.caller_identity and state.caller_is_sip:
        try:
            await asyncio.wait_for(
                ctx.api.room.remove_participant(
                    api.RoomParticipantIdentity(room=room_name, identity=state.caller_identity)
                ),
                timeout=5,
            )
        except Exception:
            logger.info("the caller had already left call %s", state.plan.call_id)
    if state.leg is not None:
        state.leg.mark_ended()  # livekit-sip sent its BYE: the call's time stops here
    await close_room(ctx)
    ctx.shutdown(reason=state.end_reason or "hangup")


async def close_room(ctx: Any, *, within: float = 5.0) -> None:
    """Delete the call's room, awaited: a deletion left running when the job shuts down is
    cancelled with it, and the caller stays on an answered silent line."""
    room_name = ctx.room.name
    try:
        await asyncio.wait_for(
            ctx.api.room.delete_room(api.DeleteRoomRequest(room=room_name)), timeout=within
        )
    except Exception:
        logger.info("room %s was already gone", room_name)


# -- handlers the engine calls --


def voice_handlers(state: CallState) -> VoiceActions:
    async def hangup(params: HangupParams) -> str:
        models = _kinds()
        state.recorder.event(models.CallEventKind.ACTION, "hangup", params.as_dict())
        # The Hang up node said its message; an Agent that ends the call in silence gets ours.
        spoke = bool(state.current_handle is not None and _turn_spoke(state))
        goodbye = None if spoke else GOODBYE_LINE

        async def work() -> None:
            await end_call(state, models.CallEndReason.AGENT_HANGUP, goodbye=goodbye)

        schedule(state, work, name="betool.hangup")
        return "The call ends after this message."

    async def transfer(params: TransferParams) -> str:
        target = params.destination or state.plan.transfer_target

        async def work() -> None:
            if params.mode == "warm":
                await transfers.warm_transfer_call(state, target)
            else:
                await transfer_call(state, target)

        schedule(state, work, name="betool.transfer")
        return f"Transferring the call to {target or 'the default destination'}."

    async def hold(params: HoldParams) -> str:
        # The graph goes on after a hold: the handler holds the turn until the hold ends,
        # so what the graph says next is heard after the music.
        await wait_for_spoken_audio(state)
        resumed = await hold_call(state, params)
        return f"The caller was on hold; resumed by {resumed}."

    async def collect_digits(params: CollectDigitsParams) -> str:
        state.keypad.expect(params)
        models = _kinds()
        state.recorder.event(models.CallEventKind.ACTION, "collect_digits", params.as_dict())

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


def _turn_spoke(state: CallState) -> bool:
    agent = state.session.current_agent if state.session is not None else None
    current = agent.current_turn if isinstance(agent, BetoolAgent) else None
    return bool(current is not None and current.spoken)


# -- transfer --


def sip_uri(target: str) -> str:
    target = target.strip()
    if target.startswith(("tel:", "sip:", "sips:")):
        return target
    return f"tel:{target}"


async def transfer_call(state: CallState, target: str) -> bool:
    """SIP REFER the caller to ``target``; a failure is spoken and the call goes on from the
    Transfer node's output for it (declined, busy, no answer, failed)."""
    from telephony.worker.outbound import transfer_outcome

    models = _kinds()
    recorder = state.recorder
    recorder.event(models.CallEventKind.ACTION, "transfer_attempt", {"target": target})
    error = ""
    outcome: TransferOutcome = "failed"
    if not target:
        error = "no transfer destination is configured"
    elif not state.caller_identity:
        error = "no caller to transfer"
    elif not state.plan.supports_refer:
        error = "the trunk's carrier does not accept SIP REFER (supports_refer is off)"
    else:
        try:
            await state.ctx.api.sip.transfer_sip_participant(
                api.TransferSIPParticipantRequest(
                    room_name=state.ctx.room.name,
                    participant_identity=state.caller_identity,
                    transfer_to=sip_uri(target),
                    play_dialtone=False,
                )
            )
        except Exception as exc:
            error = str(exc) or type(exc).__name__
            outcome = transfer_outcome(exc)
    if error:
        transfers.transfer_failed(state, target=target, outcome=outcome, error=error)
        return False
    await transfers.transfer_accepted(state, target=target, mode="cold")
    state.ctx.shutdown(reason="transferred")
    return True


# -- hold --


async def hold_call(state: CallState, params: HoldParams) -> str:
    """Hold (music unless ``music`` is false) until a key is pressed or ``seconds`` pass.

    Returns who ended the hold: ``"caller"`` or ``"timeout"``.
    """
    models = _kinds()
    session = state.session
    if session is None or state.ending:
        return "nobody"
    timeout = params.seconds
    state.on_hold = True
    state.hold_resume.clear()
    state.recorder.status(models.CallStatus.ON_HOLD)
    state.recorder.event(models.CallEventKind.ACTION, "hold", {"seconds": timeout})
    session.input.set_audio_enabled(False)
    play = await play_hold_music(state) if params.music else None
    resumed = "timeout"
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
        state.recorder.status(models.CallStatus.ACTIVE)
        state.recorder.event(models.CallEventKind.ACTION, "resume", {"by": resumed})
    return resumed


async def play_hold_music(state: CallState) -> Any:
    """Hold music to the caller, looping, until the returned handle is stopped (None when
    the player cannot start: the hold goes on in silence)."""
    from livekit.agents import AudioConfig, BackgroundAudioPlayer, BuiltinAudioClip

    try:
        if state.background is None:
            state.background = BackgroundAudioPlayer()
            await state.background.start(room=state.ctx.room)
        return state.background.play(
            AudioConfig(BuiltinAudioClip.HOLD_MUSIC, volume=0.5), loop=True
        )
    except Exception:
        logger.warning("hold music unavailable on call %s", state.plan.call_id, exc_info=True)
        return None


async def stop_hold_music(state: CallState, play: Any) -> None:
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


# -- DTMF --


def on_dtmf(state: CallState, digit: str) -> None:
    """A key the caller pressed: resumes a hold, or goes to the call's keypad (which hands
    digits to the graph as one turn, see ``Keypad.press``)."""
    models = _kinds()
    state.recorder.event(models.CallEventKind.DTMF, "digit", {"digit": digit})
    state.last_activity = time.monotonic()
    if state.on_hold:
        state.hold_resume.set()
        return
    state.keypad.press(digit, digits_ready(state))


def digits_ready(state: CallState) -> DigitsReady:
    def ready(digits: str, collecting: bool) -> None:
        session = state.session
        if session is None or state.ending or (not digits and not collecting):
            return
        state.keypad.hand_over(digits)
        if collecting or state.barge.keys_interrupt:
            # Digits being collected are the answer to the prompt: they end it, as a key does
            # wherever the barge-in mode lets keys interrupt. Otherwise the reply waits its turn.
            session.interrupt(force=True)
        session.generate_reply(user_input=digits or "#")

    return ready


# -- limits: call length, caller silence --


def start_limits(state: CallState) -> None:
    plan = state.plan
    models = _kinds()
    if plan.max_call_duration_s > 0:

        async def too_long() -> None:
            await asyncio.sleep(plan.max_call_duration_s)
            await end_call(
                state, models.CallEndReason.MAX_DURATION, goodbye=MAX_DURATION_LINE, interrupt=True
            )

        state.spawn(too_long(), name="betool.max_duration")
    if plan.silence_timeout_s > 0:
        state.spawn(silence_watch(state), name="betool.silence")
    state.spawn(usage_reports(state), name="betool.usage_reports")


async def usage_reports(state: CallState) -> None:
    """Cumulative usage reports while the call runs (interval sequences count from 1); the
    call ends when its workspace's balance after a report is spent, if the workspace chose so."""
    from telephony.worker.session import collect_usage

    sequence = 0
    while not state.ending:
        await asyncio.sleep(settings.VOICE_USAGE_REPORT_INTERVAL_S)
        if state.ending:
            return
        sequence += 1
        try:
            balance = await state.recorder.usage_report(collect_usage(state), sequence=sequence)
        except Exception:
            logger.exception("the usage report %d of call %s failed", sequence, state.plan.call_id)
            continue
        if state.plan.end_at_zero_balance and balance <= 0:
            await end_call(
                state,
                _kinds().CallEndReason.OUT_OF_CREDIT,
                goodbye=OUT_OF_CREDIT_LINE,
                interrupt=True,
            )
            return


async def silence_watch(state: CallState, *, tick: float = 0.25) -> None:
    """Re-prompt after ``silence_timeout_s`` of caller silence; hang up after a second one.

    The clock runs only while the agent listens: not while it speaks, thinks, or holds.
    """
    models = _kinds()
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
        state.recorder.event(
            models.CallEventKind.LIFECYCLE, "silence", {"prompts": state.silence_prompts}
        )
        if silence_ends_call(state.silence_prompts):
            await end_call(
                state, models.CallEndReason.SILENCE_TIMEOUT, goodbye=SILENCE_GOODBYE_LINE
            )
            return
        session.say(SILENCE_PROMPT_LINE)


async def watch_caller_packets(state: CallState, *, tick: float = 2.0) -> None:
    """Notes when the caller's RTP last arrived (the worker subscribes to nothing else), so
    that a leg livekit-sip ends for lack of media is recorded as a media timeout."""
    leg = state.leg
    room = state.ctx.room
    received = -1
    while leg is not None and leg.ended_mono is None and not state.ending:
        try:
            stats = await room.get_rtc_stats()
        except Exception:
            return  # the room is closing
        # With a single peer connection the subscriptions' reports are the publisher's.
        total = sum(
            int(report.inbound_rtp.received.packets_received)
            for report in (*stats.publisher_stats, *stats.subscriber_stats)
            if report.HasField("inbound_rtp")
        )
        if total > received:
            received = total
            leg.heard_packet()
        await asyncio.sleep(tick)


def on_user_state(state: CallState, new_state: str) -> None:
    logger.debug("user %s at %.3f", new_state, time.perf_counter())
    now = time.monotonic()
    state.last_activity = now
    if new_state == "speaking":
        state.silence_prompts = 0
        state.user_speaking_since = time.perf_counter()
    elif new_state == "listening" and state.user_speaking_since is not None:
        state.last_user_speech_end = time.perf_counter()
        state.user_speaking_since = None


def on_agent_state(state: CallState, new_state: str) -> None:
    logger.debug("agent %s at %.3f", new_state, time.perf_counter())
    state.last_activity = time.monotonic()


def dtmf_handler(state: CallState) -> Callable[[rtc.SipDTMF], None]:
    def handle(ev: rtc.SipDTMF) -> None:
        try:
            on_dtmf(state, ev.digit)
        except Exception:
            logger.exception("DTMF handling failed on call %s", state.plan.call_id)

    return handle
