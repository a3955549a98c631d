"""One call: resolve it, compile its graph once, run an AgentSession, record it, end it."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from asgiref.sync import sync_to_async
from livekit import rtc
from livekit.agents import (
    Agent,
    AgentSession,
    AgentStateChangedEvent,
    AutoSubscribe,
    CloseEvent,
    ErrorEvent,
    JobContext,
    UserStateChangedEvent,
    room_io,
)

from pipelines.barge_in import BargeInSensitivity, greeting_override, node_overrides
from pipelines.conversations import conversation_open
from pipelines.engine import Channel, Conversation, EngineOptions, compile_graph
from pipelines.flow_tests.canned import canned_registry
from telephony.worker import call_started, screening
from telephony.worker.actions import voice_handlers
from telephony.worker.agent import BetoolAgent, GraphLLM, TurnOutput
from telephony.worker.barge_in import TUNING, BargeInControl
from telephony.worker.bootstrap import ensure_django
from telephony.worker.dtmf import dtmf_handler
from telephony.worker.ending import close_room, disconnect_caller
from telephony.worker.limits import on_agent_state, on_user_state, start_limits
from telephony.worker.media import call_session_start
from telephony.worker.plan import load_call, load_plan, parse_metadata
from telephony.worker.recorder import CallRecorder
from telephony.worker.recording import recording_begin, recording_consent_say
from telephony.worker.sip_leg import SipLeg, subscribe_audio, watch_caller_packets
from telephony.worker.state import (
    NOT_IN_SERVICE_LINE,
    REJECTION_LINES,
    CallPlan,
    CallState,
    TurnTiming,
)
from telephony.worker.usage import collect_usage
from voice_models.adapters import build_stt, build_tts, endpoints_turns
from voice_models.local.tts import EspeakTTS
from voice_models.provider_http import speech_http_session_close

logger = logging.getLogger("betool.worker")

# With VAD turn detection the VAD's silence (END_OF_TURN_SILENCE_S) has already passed when the
# turn is judged, so this adds nothing; with a recognizer's own endpointing its pause has too,
# so nothing more is waited for.
ENDPOINTING_MIN_S = {"vad": 0.3, "stt": 0.0}

TurnDetection = Literal["vad", "stt"]
# Refusals of a call that still rings are sent as SIP answers (486), never answered: the
# carrier does not bill them. Other refusals (an unknown number) answer and say why.
SIP_REFUSALS = frozenset({"too_many_calls", "trunk_busy", "no_credits"})
# livekit-sip answers within a second of the subscription (its 200 OK, the ACK, the first
# RTP or at most its bridge delay); a leg not answered by then is given up.
ANSWER_TIMEOUT_S = 20.0


def turn_handling(
    turn_detection: TurnDetection = "vad", *, sensitivity: BargeInSensitivity = "medium"
) -> dict[str, Any]:
    return {
        "turn_detection": turn_detection,
        "endpointing": {"min_delay": ENDPOINTING_MIN_S[turn_detection], "max_delay": 3.0},
        "interruption": {
            "enabled": True,
            "mode": "vad",
            # Barge-in by voice activity: a caller who talks over the agent this long stops it.
            "min_duration": TUNING[sensitivity].min_interruption_s,
            "resume_false_interruption": False,
            "false_interruption_timeout": None,
        },
        # A graph turn has side effects (hang up, transfer): never run it speculatively.
        "preemptive_generation": {"enabled": False},
    }


def build_conversation(state: CallState) -> Conversation:
    """The engine's Conversation for this call: the graph compiled once, tools injected."""
    plan = state.plan
    # A call needs the turn's trace, not an event per node: half the per-node cost.
    compiled = compile_graph(plan.graph, options=EngineOptions(node_events=False))
    conversation = conversation_open(
        compiled=compiled,
        channel=Channel(source_type="phone_gateway", caller_number=plan.caller_number),
        voice=voice_handlers(state),
        llm_configs=plan.llms,
        default_llm=plan.default_llm,
        # The call's own facts win over a placer's variables of the same name.
        variables={**plan.variables, "call_id": plan.call_id, "called_number": plan.number_e164},
        # A flow test run by voice plays its scenario's canned model answers.
        providers=None if plan.model_answers is None else canned_registry(plan.model_answers),
    )
    state.providers = conversation.providers
    return conversation


@dataclass(frozen=True)
class Speech:
    stt: Any
    tts: Any
    # What ends the caller's turn: Silero's silence, or the recognizer's own endpointing.
    turn_detection: TurnDetection = "vad"


def default_speech(plan: CallPlan, vad: Any) -> Speech:
    """The call's STT (segmented by ``vad`` when batch) and TTS, from the number's models."""
    return Speech(
        stt=build_stt(plan.asr, vad=vad, language=plan.language),
        tts=build_tts(plan.tts),
        turn_detection="stt" if endpoints_turns(plan.asr) else "vad",
    )


# Which STT and TTS a call gets; the latency benchmark swaps in fixed-latency stubs.
build_speech: Callable[[CallPlan, Any], Speech] = default_speech


async def entrypoint(ctx: JobContext) -> None:
    ensure_django()
    logger.info("room %s: job process %s", ctx.room.name, os.getpid())
    metadata = parse_metadata(ctx.job.metadata)
    # Nothing is subscribed before the call is admitted: livekit-sip answers once the caller's
    # audio is subscribed, so a call refused here still rings and is rejected at the SIP level.
    await ctx.connect(auto_subscribe=AutoSubscribe.SUBSCRIBE_NONE)
    participant = await answer_or_dial(ctx, metadata)
    if participant is None:
        return
    leg = SipLeg(ctx.room, participant)
    attributes = dict(participant.attributes)
    from telephony.selectors import CallRejected

    try:
        plan = await sync_to_async(load_plan)(
            room_name=ctx.room.name,
            metadata=metadata,
            attributes=attributes,
            answered=not leg.ringing,
        )
    except CallRejected as exc:
        logger.info("call in room %s rejected: %s", ctx.room.name, exc.message)
        await _record_refusal(ctx, metadata, attributes, exc)
        if leg.ringing and exc.reason in SIP_REFUSALS:
            await refuse_ringing(ctx, participant)
        else:
            line = REJECTION_LINES.get(exc.reason, NOT_IN_SERVICE_LINE)
            await reject(ctx, participant, leg, line)
        return
    call = await sync_to_async(load_call)(plan.call_id)
    recorder = CallRecorder(call)
    recorder.start()
    state = CallState(
        plan=plan,
        ctx=ctx,
        recorder=recorder,
        caller_identity=participant.identity,
        caller_is_sip=leg.sip,
        leg=leg,
        barge=BargeInControl(number=plan.barge_in, nodes=node_overrides(plan.graph)),
    )
    ctx.add_shutdown_callback(lambda reason: finalize(state, reason))
    call_started.record(state, attributes)
    try:
        await run_call(state, participant)
    except Exception:
        logger.exception("call %s failed to start", plan.call_id)
        from telephony.models import CallEndReason

        state.end_reason = state.end_reason or CallEndReason.ERROR
        await disconnect_caller(state)


async def _record_refusal(
    ctx: JobContext, metadata: dict[str, Any], attributes: dict[str, str], exc: Any
) -> None:
    from telephony.worker.plan import record_refusal

    try:
        await sync_to_async(record_refusal)(
            room_name=ctx.room.name,
            metadata=metadata,
            attributes=attributes,
            reason=exc.reason,
            message=exc.message,
        )
    except Exception:  # the refusal itself must still reach the caller
        logger.exception("the refused call in room %s left no record", ctx.room.name)


async def refuse_ringing(ctx: JobContext, participant: rtc.RemoteParticipant) -> None:
    """Refuse a call that still rings: livekit-sip answers the INVITE with 486 Busy Here
    when its participant is removed before the answer. Awaited, so the refusal is sent
    before the job ends (a hang-up left to run after it was cancelled with the job)."""
    from livekit import api

    room_name = ctx.room.name
    try:
        await asyncio.wait_for(
            ctx.api.room.remove_participant(
                api.RoomParticipantIdentity(room=room_name, identity=participant.identity)
            ),
            timeout=5,
        )
    except Exception:
        logger.info("the refused caller had already left room %s", room_name, exc_info=True)
    await close_room(ctx)
    ctx.shutdown(reason="rejected")


async def answer_or_dial(ctx: JobContext, metadata: dict[str, Any]) -> rtc.RemoteParticipant | None:
    """The caller: whoever joins (inbound), or the callee once answered (outbound)."""
    from telephony.worker import outbound

    call_id = metadata.get("call_id")
    target = None
    if call_id not in (None, ""):
        target = await sync_to_async(outbound.load_dial)(int(str(call_id)))
    if target is None:
        return await ctx.wait_for_participant()
    reason = await outbound.dial(ctx.api, room_name=ctx.room.name, target=target)
    if reason is not None:
        await sync_to_async(_end_unanswered)(target.call_id, reason)
        await close_room(ctx)
        ctx.shutdown(reason=f"outbound call not answered: {reason}")
        return None
    return await ctx.wait_for_participant(identity=target.identity)


def _end_unanswered(call_id: int, reason: str) -> None:
    from telephony.models import CallEndReason
    from telephony.selectors import call_get
    from telephony.services import call_end

    call = call_get(call_id=call_id)
    if call is not None:
        call_end(call=call, reason=CallEndReason(reason), usage={"call_seconds": 0.0})


async def run_call(state: CallState, participant: rtc.RemoteParticipant) -> None:
    ctx, plan = state.ctx, state.plan
    vad = ctx.proc.userdata.get("vad")
    if vad is None:
        from livekit.plugins import silero

        vad = silero.VAD.load()
        ctx.proc.userdata["vad"] = vad
    speech = await asyncio.to_thread(build_speech, plan, vad)
    session = AgentSession[CallState](
        userdata=state,
        stt=speech.stt,
        tts=speech.tts,
        vad=vad,
        llm=GraphLLM(),
        turn_handling=turn_handling(  # type: ignore[arg-type]
            speech.turn_detection, sensitivity=plan.barge_in.sensitivity
        ),
        user_away_timeout=None,
        aec_warmup_duration=None,
    )
    state.session = session
    from livekit.plugins import silero

    # Silero's threshold follows the barge-in sensitivity (a stub VAD in a benchmark has none).
    state.vad = vad if isinstance(vad, silero.VAD) else None
    state.barge.tune(plan.barge_in.sensitivity, session=None, vad=state.vad)
    state.conversation = build_conversation(state)
    state.spawn(state.conversation.warm(), name="betool.warm_llm_connections")
    agent = BetoolAgent()

    @session.on("user_state_changed")
    def _user_state(ev: UserStateChangedEvent) -> None:
        on_user_state(state, ev.new_state)

    @session.on("agent_state_changed")
    def _agent_state(ev: AgentStateChangedEvent) -> None:
        on_agent_state(state, ev.new_state)

    @session.on("error")
    def _error(ev: ErrorEvent) -> None:
        from telephony.models import CallEventKind

        state.recorder.event(
            CallEventKind.ERROR,
            type(ev.source).__name__,
            {"error": str(getattr(ev.error, "error", ev.error))[:500]},
        )

    @session.on("close")
    def _closed(ev: CloseEvent) -> None:
        state.close_reason = ev.reason.value
        ctx.shutdown(reason=f"session closed: {state.close_reason}")

    ctx.room.on("sip_dtmf_received", dtmf_handler(state))
    await session.start(
        agent, room=ctx.room, **call_session_start(participant_identity=participant.identity)
    )
    leg = state.leg
    assert leg is not None  # followed from the entrypoint
    subscribe_audio(ctx.room, participant)  # over SIP, livekit-sip answers now
    if not await leg.wait_answered(within=ANSWER_TIMEOUT_S):
        logger.info("call %s ended before it was answered", plan.call_id)
        ctx.shutdown(reason="not answered")
        return
    if leg.sip:
        from telephony.models import CallStatus

        state.recorder.status(CallStatus.CONNECTED, at=leg.answered_at)
        state.spawn(watch_caller_packets(state), name="betool.caller_packets")
    recorder = recording_begin(state, session)

    def open_line(voicemail: bool) -> Any:
        # On a recorded call a person hears the consent line before the greeting.
        if recorder is not None and not voicemail:
            recording_consent_say(state, session)
        return greet(state, agent, voicemail)

    screening.open_call(state, participant, speak=open_line)
    start_limits(state)


def greet(state: CallState, agent: BetoolAgent, voicemail: bool = False) -> Any:
    """Speak the Start node's greeting (streamed like any turn), or its voicemail branch to
    an answering machine (never interrupted: the machine talks over nobody); the call is
    then active. Returns the speech's handle."""
    from telephony.models import CallStatus

    session = state.session
    assert session is not None
    output = TurnOutput(TurnTiming(engine_start=time.perf_counter()))
    agent.current_turn = output
    holder: list[Any] = []

    async def text() -> Any:
        conversation = state.live_conversation()
        events = conversation.run_turn("") if voicemail else conversation.greet()
        async for chunk in agent.run_graph(events, output, holder[0] if holder else None):
            yield chunk

    barge = state.barge
    greeting = barge.number.overridden_by(greeting_override(state.plan.graph))
    allowed = not voicemail and barge.speech_allowed(greeting)
    handle = session.say(text(), allow_interruptions=allowed)
    holder.append(handle)
    state.current_handle = handle
    started_at = _now()

    def done(h: Any) -> None:
        if output.spoken:
            state.recorder.turn(
                sequence=0,
                user_text="",
                agent_text=" ".join(output.spoken),
                started_at=started_at,
                latencies=output.timing.as_latencies(),
                trace=output.trace,
                interrupted=h.interrupted,
                reason=output.reason or ("voicemail" if voicemail else "greeting"),
                fallback=output.fallback,
            )
        state.recorder.status(CallStatus.ACTIVE)

    handle.add_done_callback(done)
    return handle


async def reject(
    ctx: JobContext, participant: rtc.RemoteParticipant, leg: SipLeg, line: str
) -> None:
    """Nothing can answer this call (an unknown number, no pipeline): answer, say why with
    the offline voice, then hang up."""
    session = AgentSession[None](tts=EspeakTTS())
    try:
        await session.start(
            Agent(instructions=""),
            room=ctx.room,
            room_options=room_io.RoomOptions(
                participant_identity=participant.identity, audio_input=False
            ),
            record=False,
        )
        subscribe_audio(ctx.room, participant)  # livekit-sip answers a ringing call now
        if not await leg.wait_answered(within=ANSWER_TIMEOUT_S):
            return
        handle = session.say(line, allow_interruptions=False)
        await asyncio.wait_for(handle.wait_for_playout(), timeout=15)
    except Exception:
        logger.warning("could not tell the caller the number is not in service", exc_info=True)
    finally:
        await close_room(ctx)
        ctx.shutdown(reason="rejected")


def end_reason_for(state: CallState) -> str:
    from telephony.models import CallEndReason

    if state.end_reason:
        return state.end_reason
    if state.leg is not None and (platform := state.leg.platform_end_reason()):
        return platform
    close = state.close_reason
    if close == "error":
        return CallEndReason.ERROR
    if close == "job_shutdown":
        return CallEndReason.WORKER_LOST
    return CallEndReason.CALLER_HANGUP


async def finalize(state: CallState, reason: str) -> None:
    """The job is ending: stop timers, record the end and the usage, drain the writer."""
    if state.finalized:
        return
    state.finalized = True
    state.ending = True
    end_reason = end_reason_for(state)
    for task in list(state.tasks):
        if task is not asyncio.current_task():
            task.cancel()
    if state.leg is not None:
        state.leg.mark_ended()  # the worker ends it: the leg's time stops now at the latest
    usage = collect_usage(state)
    state.recorder.end(
        end_reason,  # type: ignore[arg-type]
        usage_fn=lambda: usage,
        transfer_target=state.transfer_target_done,
        variables=dict(state.conversation.variables) if state.conversation is not None else None,
        at=state.leg.ended_at if state.leg is not None else None,
    )
    try:
        await asyncio.wait_for(state.recorder.aclose(), timeout=5)
    except Exception:
        logger.exception("the records of call %s could not all be written", state.plan.call_id)
    if state.background is not None:
        try:
            await asyncio.wait_for(state.background.aclose(), timeout=2)
        except Exception:
            logger.info("hold music player did not close cleanly", exc_info=True)
    if state.conversation is not None:
        try:
            await asyncio.wait_for(state.conversation.aclose(), timeout=2)
        except Exception:
            logger.info("the call's provider connections did not close cleanly", exc_info=True)
    await speech_http_session_close()
    logger.info(
        "call %s ended (%s): %s",
        state.plan.call_id,
        end_reason,
        {k: v for k, v in usage.items() if k != "models"},
    )


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()
