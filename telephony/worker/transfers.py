"""A transfer's outcome on the caller's side, cold (SIP REFER) or warm (dialled, briefed,
bridged), and the Transfer node output the graph goes on from.

Accepted: the caller is with the person and the agent leaves. Declined, busy, no answer or
failed: the caller is told, and the next turn starts on the node's output for it (or its
``failed`` output) when wired, at Start otherwise.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from livekit import api

from pipelines.turn.voice import TransferOutcome
from telephony.livekit_errors import LIVEKIT_API_ERRORS
from telephony.worker.call_summary import summarize
from telephony.worker.ending import disconnect_caller
from telephony.worker.hold import play_hold_music, stop_hold_music
from telephony.worker.outbound import ringing_timeout_s, transfer_outcome
from telephony.worker.state import (
    TRANSFER_BUSY_LINE,
    TRANSFER_DECLINED_LINE,
    TRANSFER_FAILED_LINE,
    TRANSFER_NO_ANSWER_LINE,
)
from telephony.worker.warm_transfer import WarmTransferTarget, dial_and_brief
from voice_models.adapters import build_tts

if TYPE_CHECKING:
    from telephony.worker.state import CallState

logger = logging.getLogger("betool.worker")

FAILURE_LINES: dict[TransferOutcome, str] = {
    "declined": TRANSFER_DECLINED_LINE,
    "busy": TRANSFER_BUSY_LINE,
    "no_answer": TRANSFER_NO_ANSWER_LINE,
    "failed": TRANSFER_FAILED_LINE,
}
# The accepted output runs with nobody left to hear it (a CRM update, say): bounded.
ACCEPTED_BRANCH_LIMIT_S = 10.0


def transfer_failed(state: CallState, *, target: str, outcome: TransferOutcome, error: str) -> None:
    """Tell the caller, and have the graph go on from the node's output for ``outcome``."""
    from telephony.models import CallEventKind

    logger.info("transfer %s on call %s: %s", outcome, state.plan.call_id, error)
    state.recorder.event(
        CallEventKind.ACTION,
        "transfer_failed",
        {"target": target, "error": error, "outcome": outcome},
    )
    conversation = state.conversation
    wired = False
    if conversation is not None:
        conversation.resume()  # the transfer ran after the turn that asked for it
        wired = conversation.continue_on(outcome)
    session = state.session
    if session is None or state.ending:
        return
    session.say(FAILURE_LINES.get(outcome, TRANSFER_FAILED_LINE))
    if wired:
        state.pending_outcome = outcome
        session.generate_reply()


async def transfer_accepted(state: CallState, *, target: str, mode: str) -> None:
    """The caller is with the person: record it, and run the accepted output if wired."""
    from telephony.models import CallEndReason, CallEventKind, CallStatus

    state.recorder.event(CallEventKind.ACTION, "transferred", {"target": target, "mode": mode})
    state.recorder.status(CallStatus.TRANSFERRED)
    state.ending = True
    state.end_reason = CallEndReason.TRANSFERRED
    state.transfer_target_done = target
    conversation = state.conversation
    if conversation is not None and conversation.continue_on("accepted"):

        async def silently() -> None:
            async for _ in conversation.run_turn(""):
                pass

        try:
            await asyncio.wait_for(silently(), timeout=ACCEPTED_BRANCH_LIMIT_S)
        except Exception:  # the caller is with the person already: nothing to undo
            logger.warning(
                "the accepted branch of call %s failed", state.plan.call_id, exc_info=True
            )


def sip_uri(target: str) -> str:
    target = target.strip()
    if target.startswith(("tel:", "sip:", "sips:")):
        return target
    return f"tel:{target}"


def refer_refusal(state: CallState, target: str) -> str:
    """Why a REFER to ``target`` is not attempted (empty when it can be)."""
    if not target:
        return "no transfer destination is configured"
    if not state.caller_identity:
        return "no caller to transfer"
    if not state.plan.supports_refer:
        return "the trunk's carrier does not accept SIP REFER (supports_refer is off)"
    return ""


async def transfer_call(state: CallState, target: str) -> bool:
    """SIP REFER the caller to ``target``; a failure is spoken and the call goes on from the
    Transfer node's output for it (declined, busy, no answer, failed)."""
    from telephony.models import CallEventKind

    state.recorder.event(CallEventKind.ACTION, "transfer_attempt", {"target": target})
    error = refer_refusal(state, target)
    outcome: TransferOutcome = "failed"
    if not error:
        try:
            await state.ctx.api.sip.transfer_sip_participant(
                api.TransferSIPParticipantRequest(
                    room_name=state.ctx.room.name,
                    participant_identity=state.caller_identity,
                    transfer_to=sip_uri(target),
                    play_dialtone=False,
                )
            )
        except LIVEKIT_API_ERRORS as exc:
            error = str(exc) or type(exc).__name__
            outcome = transfer_outcome(exc)
    if error:
        transfer_failed(state, target=target, outcome=outcome, error=error)
        return False
    await transfer_accepted(state, target=target, mode="cold")
    state.ctx.shutdown(reason="transferred")
    return True


async def warm_transfer_call(state: CallState, target: str) -> TransferOutcome:
    """Hold the caller with music, dial and brief the person, then bridge or go back."""
    from telephony.models import CallEventKind, CallStatus

    plan, session, recorder = state.plan, state.session, state.recorder
    recorder.event(CallEventKind.ACTION, "transfer_attempt", {"target": target, "mode": "warm"})
    if not target or session is None or state.conversation is None:
        transfer_failed(
            state, target=target, outcome="failed", error="no transfer destination is configured"
        )
        return "failed"
    state.on_hold = True
    recorder.status(CallStatus.ON_HOLD)
    session.input.set_audio_enabled(False)
    music = await play_hold_music(state)
    summary = await summarize(
        state.conversation.history,
        caller_number=plan.caller_number,
        llm=state.summary_llm(),
    )
    state.llm_tokens.absorb(summary.llm_usage)
    recorder.transfer_summary(summary.text)
    recorder.event(
        CallEventKind.ACTION, "transfer_summary", {"summary": summary.text, "by": summary.source}
    )
    warm = WarmTransferTarget(
        call_id=plan.call_id,
        caller_room=state.ctx.room.name,
        destination=target if target.startswith(("sip:", "sips:")) else sip_uri(target)[4:],
        trunk_id=plan.outbound_trunk_id,
        from_number=plan.number_e164,
        ringing_s=ringing_timeout_s(),
    )
    tts = await asyncio.to_thread(build_tts, plan.tts)
    result = await dial_and_brief(
        state.ctx.api,
        warm,
        summary,
        tts=tts,
        url=settings.LIVEKIT_URL,
        caller_room=state.ctx.room,
        caller=state.caller_identity,
    )
    if music is not None:
        await stop_hold_music(state, music)
    state.on_hold = False
    bridge = result.bridge
    if bridge is not None:
        # The agent stays silent and keeps the bridge; whoever hangs up first ends it all:
        # the person (the caller's room goes, they get a BYE), or the caller (the session
        # closes, the job ends and the bridge with it).
        await transfer_accepted(state, target=target, mode="warm")
        state.ctx.add_shutdown_callback(lambda _reason: bridge.aclose())
        bridge.on_person_left(warm.identity, lambda: disconnect_caller(state))
        return result.outcome
    session.input.set_audio_enabled(True)
    recorder.status(CallStatus.ACTIVE)
    transfer_failed(state, target=target, outcome=result.outcome, error=result.error)
    return result.outcome
