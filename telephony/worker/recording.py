"""Recording a call, when its number or pipeline asks for it: the consent line first, the
audio into the spool while the call lasts, stored as the call's recording when it ends.

The session hooks this in once the caller answered (``recording_begin``), and says the
consent line before a person's greeting (``recording_consent_say``); everything else hangs
off the job's shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from asgiref.sync import sync_to_async

from telephony.worker.call_audio import CallAudioRecorder

if TYPE_CHECKING:
    from livekit.agents import AgentSession

    from telephony.worker.state import CallState

logger = logging.getLogger("betool.worker.recording")

# Storing decodes the file once (its length and waveform); a job has 10 s to shut down.
STORE_TIMEOUT_S = 8.0


def recording_begin(state: CallState, session: AgentSession[CallState]) -> CallAudioRecorder | None:
    """Starts recording the answered call (its timeline begins at the answer). None when
    the call is not recorded."""
    policy = state.plan.recording
    if not policy.enabled:
        return None
    if session.input.audio is None or session.output.audio is None:
        logger.warning("call %s has no audio to record", state.plan.call_id)
        return None
    from telephony.models import CallEventKind
    from telephony.recordings.selectors import spool_path

    started_at = _answered_at(state)
    path = spool_path(
        call_id=state.plan.call_id, room_name=state.plan.room_name, started_at=started_at
    )
    recorder = CallAudioRecorder(path=path, ends_at=lambda: _ended_at(state))
    session.input.audio = recorder.record_input(session.input.audio)
    session.output.audio = recorder.record_output(session.output.audio)
    recorder.start(at=started_at)
    state.recorder.event(
        CallEventKind.ACTION, "recording_started", {"consent_line": policy.consent_line}
    )

    async def finish(_reason: str) -> None:
        await recording_finish(state, recorder)

    state.ctx.add_shutdown_callback(finish)
    return recorder


def _answered_at(state: CallState) -> float:
    """Unix time the call counts from (its ``connected_at``), so the file is as long as
    the call: silence until the first word."""
    leg = state.leg
    if leg is not None and leg.sip and leg.answered_at is not None:
        return leg.answered_at.timestamp()
    connected = state.recorder.call.connected_at
    return connected.timestamp() if connected is not None else time.time()


def _ended_at(state: CallState) -> float | None:
    leg = state.leg
    return leg.ended_at.timestamp() if leg is not None and leg.ended_at is not None else None


def recording_consent_say(state: CallState, session: AgentSession[CallState]) -> None:
    """The consent line, queued before anything else a person hears (an answering machine
    screened first hears none: the line is for people)."""
    session.say(state.plan.recording.consent_line, allow_interruptions=False)


async def recording_finish(state: CallState, recorder: CallAudioRecorder) -> None:
    """Closes the file at the end of the caller's leg and stores it. A failure here is
    logged and leaves the file in the spool; the call's own records are unaffected."""
    try:
        await asyncio.wait_for(recorder.aclose(until=_ended_at(state)), timeout=STORE_TIMEOUT_S / 2)
        started_at = recorder.started_at
        assert started_at is not None
        await asyncio.wait_for(
            sync_to_async(_store)(state.plan.call_id, recorder, started_at),
            timeout=STORE_TIMEOUT_S,
        )
    except Exception:
        logger.exception("the recording of call %s was not stored", state.plan.call_id)


def _store(call_id: int, recorder: CallAudioRecorder, started_at: float) -> None:
    from telephony.recordings.services import recording_store
    from telephony.selectors import call_get

    call = call_get(call_id=call_id)
    if call is not None:
        recording_store(call=call, path=recorder.path, started_at=started_at)
