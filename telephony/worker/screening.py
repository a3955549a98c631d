"""Screening an answered outbound call for a voicemail before the pipeline speaks.

The callee's audio is read from its own stream (the session's recognizer reads the same
track) and fed to :class:`AnsweringMachineDetector`, with the session's transcripts. Until the
verdict the agent says nothing and the callee's turns are held; then:

- a person (or nobody can tell): the Start node's greeting, as on any call;
- a machine: once its beep has sounded (or its greeting ended), the Start node's voicemail
  branch speaks the message, and the call is hung up. A pipeline without that branch is
  hung up at once (a campaign retries voicemails later).

The verdict and its evidence go on the Call (``answered_by``) and in its events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from livekit import rtc

from telephony.worker.answering_machine import (
    AnsweringMachineDetector,
    DetectionSettings,
    Verdict,
)
from telephony.worker.ending import end_call

if TYPE_CHECKING:
    from livekit.agents.voice.speech_handle import SpeechHandle

    from telephony.worker.state import CallState

logger = logging.getLogger("betool.worker.screening")

STREAM_RATE = 16000
# The wall clock may run behind the audio (frames arrive late): a little slack before the
# verdict is forced on what was heard.
CLOCK_SLACK_S = 1.0
# How long a person's greeting's transcript is waited for before the agent greets them.
GREETING_TRANSCRIPT_WAIT_S = 2.0
# How long the voicemail message may take to be spoken before the call is hung up anyway.
MESSAGE_LIMIT_S = 60.0

# Speaks the call's opening: the greeting, or (True) the voicemail branch.
OpenCall = Callable[[bool], "SpeechHandle | None"]


@dataclass
class AnswerScreening:
    """One call's screening; the agent asks it whether a caller turn is held."""

    detector: AnsweringMachineDetector
    started_at: float = field(default_factory=time.perf_counter)
    decided_at: float | None = None

    @property
    def verdict(self) -> Verdict | None:
        return self.detector.verdict

    def holds_turn(self, *, speech_ended_at: float | None) -> bool:
        """A turn is held while screening, on a voicemail, and when its speech was the
        greeting the verdict was made on (it ended before the verdict)."""
        verdict = self.detector.verdict
        if verdict is None or self.decided_at is None:
            return True
        if verdict.answered_by == "machine":
            return True
        return speech_ended_at is not None and speech_ended_at <= self.decided_at


def detection_settings() -> DetectionSettings:
    from django.conf import settings

    return DetectionSettings(
        decision_s=float(settings.VOICE_AMD_DECISION_S),
        beep_wait_s=float(settings.VOICE_AMD_BEEP_WAIT_S),
    )


def screens(state: CallState) -> bool:
    mode = state.plan.answering_machine
    if mode == "auto":
        return state.conversation is not None and state.conversation.has_voicemail_branch
    return mode == "detect"


def holds_turn(state: CallState) -> bool:
    screening = state.screening
    return screening is not None and screening.holds_turn(
        speech_ended_at=state.last_user_speech_end
    )


def open_call(state: CallState, participant: rtc.RemoteParticipant, *, speak: OpenCall) -> None:
    """Greet at once, or screen the callee first (in the background: the call goes on)."""
    if not screens(state):
        speak(False)
        return
    state.screening = AnswerScreening(AnsweringMachineDetector(detection_settings()))
    state.spawn(screen(state, participant, speak=speak), name="betool.answering_machine")


async def screen(state: CallState, participant: rtc.RemoteParticipant, *, speak: OpenCall) -> None:
    stream = rtc.AudioStream.from_participant(
        participant=participant,
        track_source=rtc.TrackSource.SOURCE_MICROPHONE,
        sample_rate=STREAM_RATE,
        num_channels=1,
    )

    async def frames() -> AsyncIterator[tuple[bytes, int]]:
        async for event in stream:
            yield bytes(event.frame.data), event.frame.sample_rate

    try:
        await screen_frames(state, frames(), speak=speak)
    finally:
        with contextlib.suppress(Exception):
            await stream.aclose()


async def screen_frames(
    state: CallState, frames: AsyncIterator[tuple[bytes, int]], *, speak: OpenCall
) -> Verdict:
    """Decide on the callee's audio (16-bit mono PCM and its rate) and the session's
    transcripts, record the verdict, and open the call accordingly."""
    screening = state.screening
    assert screening is not None
    detector = screening.detector
    session = state.session
    assert session is not None
    transcript_final = asyncio.Event()

    def transcribed(ev: Any) -> None:
        if getattr(ev, "is_final", False):
            detector.push_transcript(str(getattr(ev, "transcript", "")))
            transcript_final.set()

    session.on("user_input_transcribed", transcribed)
    try:
        verdict = await _decide(state, screening, frames)
        from telephony.models import AnsweredBy

        state.recorder.answered_by(AnsweredBy(verdict.answered_by), _evidence(detector, verdict))
        if state.ending:
            return verdict
        if verdict.answered_by == "machine":
            await leave_message(state, speak=speak)
            return verdict
        if verdict.speech_s > 0 and not transcript_final.is_set():
            # The recognizer's final for the hello would interrupt the greeting as a barge-in:
            # let it arrive first (briefly), and drop the turn it leaves.
            await _wait(transcript_final, GREETING_TRANSCRIPT_WAIT_S)
    finally:
        session.off("user_input_transcribed", transcribed)
    clear = getattr(session, "clear_user_turn", None)
    if callable(clear):
        clear()
    speak(False)
    return verdict


async def _decide(
    state: CallState, screening: AnswerScreening, frames: AsyncIterator[tuple[bytes, int]]
) -> Verdict:
    """The verdict within the deadline; after a machine's, until its beep (or the end of its
    greeting, or a person's words overruling it)."""
    detector = screening.detector
    decided, ready = asyncio.Event(), asyncio.Event()

    async def pump() -> None:
        async for pcm, rate in frames:
            detector.push_pcm(pcm, rate)
            if detector.verdict is None:
                continue
            decided.set()
            if detector.ready_for_message or detector.verdict.answered_by != "machine":
                ready.set()
                return

    pumping = asyncio.create_task(pump(), name="betool.answering_machine_audio")
    try:
        # The detector decides within ``decision_s`` of audio; the wall clock only bounds
        # a line whose frames stopped coming.
        await _wait(decided, detector.settings.decision_s + CLOCK_SLACK_S)
        verdict = detector.verdict or detector.close()
        screening.decided_at = time.perf_counter()
        logger.info("call %s answered by %s (%s)", state.plan.call_id, verdict.answered_by,
                    verdict.reason)  # fmt: skip
        if verdict.answered_by == "machine":
            await _wait(ready, max(0.0, detector.settings.beep_wait_s - detector.now_s)
                        + CLOCK_SLACK_S)  # fmt: skip
            if detector.verdict is not None and detector.verdict.answered_by != "machine":
                screening.decided_at = time.perf_counter()  # what they said gets no reply
    except Exception:
        logger.exception("screening call %s failed: it goes on as answered by a person",
                         state.plan.call_id)  # fmt: skip
    finally:
        pumping.cancel()
        with contextlib.suppress(BaseException):
            await pumping
    screening.decided_at = screening.decided_at or time.perf_counter()
    return detector.verdict or detector.close()


def _evidence(detector: AnsweringMachineDetector, verdict: Verdict) -> dict[str, Any]:
    beep = detector.beep  # it may have sounded after the verdict
    return {
        **verdict.evidence(),
        "beep_at_s": None if beep is None else round(beep.at_s, 3),
        "beep_hz": None if beep is None else round(beep.hz),
        "message_at_s": None if detector.message_at_s is None else round(detector.message_at_s, 3),
        "message_cue": detector.message_cue,
        "decision_limit_s": detector.settings.decision_s,
    }


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(event.wait(), timeout=seconds)


async def leave_message(state: CallState, *, speak: OpenCall) -> None:
    """The voicemail branch, spoken over the recording, then the hang-up."""
    from telephony.models import CallEndReason, CallEventKind

    conversation = state.conversation
    if conversation is None or not conversation.answered_by_machine():
        state.recorder.event(CallEventKind.ACTION, "voicemail_hangup", {"branch": False})
        await end_call(state, CallEndReason.AGENT_HANGUP)
        return
    handle = speak(True)
    if handle is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(handle.wait_for_playout(), timeout=MESSAGE_LIMIT_S)
    # A branch that ends with Hang up has ended the call by now; one that does not is hung
    # up here: nobody will answer it.
    await asyncio.sleep(0)
    if not state.ending:
        state.recorder.event(CallEventKind.ACTION, "voicemail_hangup", {"branch": True})
        await end_call(state, CallEndReason.AGENT_HANGUP)
