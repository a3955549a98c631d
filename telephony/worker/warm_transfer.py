"""Warm transfer: the caller holds with music while the person is dialled into a consult room
of their own, told what the call is about, and, if they take it, bridged with the caller.

The person hears a summary of the call (see ``call_summary``) and may press 1 to take the
call at once or 2 to decline; staying on the line past the decision window takes it, hanging
up declines it. Busy, no answer and a refusal of the dial itself are outcomes too, never
exceptions: the caller's side goes on with whichever the Transfer node wired.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from google.protobuf.duration_pb2 import Duration
from livekit import api, rtc

from pipelines.turn.voice import TransferOutcome
from telephony.livekit_errors import LIVEKIT_API_ERRORS
from telephony.worker.audio_bridge import AudioBridge, open_bridge
from telephony.worker.call_summary import CallSummary
from telephony.worker.outbound import transfer_outcome

if TYPE_CHECKING:
    from livekit.agents.tts import TTS

    # Any plugin's TTS (its type parameter names the plugin's own events).
    AnyTTS = TTS[Any]

logger = logging.getLogger("betool.worker")

ACCEPT_KEY = "1"
DECLINE_KEY = "2"
# After the briefing, how long the person has to press a key before staying on means yes.
DECIDE_S = 6.0
BRIEF_LIMIT_S = 60.0


@dataclass(frozen=True, slots=True)
class WarmTransferTarget:
    call_id: int
    caller_room: str
    destination: str
    # The LiveKit outbound trunk of the number the call came in on, and that number.
    trunk_id: str
    from_number: str
    ringing_s: int

    @property
    def consult_room(self) -> str:
        return f"{self.caller_room}-consult"

    @property
    def identity(self) -> str:
        return f"transfer-human-{self.call_id}"


def briefing_text(summary: CallSummary) -> str:
    return (
        f"Hello, I have a call for you. {summary.text} "
        f"Press {ACCEPT_KEY} to take the call now, or {DECLINE_KEY} to decline."
    )


def _consult_token(target: WarmTransferTarget) -> str:
    from django.conf import settings

    return (
        api.AccessToken(settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET)
        .with_identity(f"betool-consult-{target.call_id}")
        .with_kind("agent")
        .with_grants(
            api.VideoGrants(
                room_join=True, room=target.consult_room, can_publish=True, can_subscribe=True
            )
        )
        .to_jwt()
    )


class Decision:
    """The person's answer in the consult room: a key, or leaving."""

    def __init__(self, room: rtc.Room, identity: str) -> None:
        self.identity = identity
        self.future: asyncio.Future[TransferOutcome] = asyncio.get_running_loop().create_future()
        room.on("sip_dtmf_received", self._key)
        room.on("participant_disconnected", self._left)

    def _decide(self, outcome: TransferOutcome) -> None:
        if not self.future.done():
            self.future.set_result(outcome)

    def _key(self, event: rtc.SipDTMF) -> None:
        if event.participant is not None and event.participant.identity != self.identity:
            return
        if event.digit == ACCEPT_KEY:
            self._decide("accepted")
        elif event.digit == DECLINE_KEY:
            self._decide("declined")

    def _left(self, participant: rtc.RemoteParticipant) -> None:
        if participant.identity == self.identity:
            self._decide("declined")


async def _brief(
    room: rtc.Room, target: WarmTransferTarget, summary: CallSummary, tts: AnyTTS
) -> TransferOutcome:
    from livekit.agents import Agent, AgentSession, room_io

    decision = Decision(room, target.identity)
    session = AgentSession[None](tts=tts)
    try:
        await session.start(
            Agent(instructions=""),
            room=room,
            room_options=room_io.RoomOptions(
                participant_identity=target.identity, audio_input=False, close_on_disconnect=False
            ),
            record=False,
        )
        handle = session.say(briefing_text(summary), allow_interruptions=False)
        playout = asyncio.ensure_future(handle.wait_for_playout())
        # A key may come before the briefing is over.
        settled = asyncio.Event()
        playout.add_done_callback(lambda _: settled.set())
        decision.future.add_done_callback(lambda _: settled.set())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(settled.wait(), timeout=BRIEF_LIMIT_S)
        playout.cancel()
        if decision.future.done():
            return decision.future.result()
        try:
            return await asyncio.wait_for(asyncio.shield(decision.future), timeout=DECIDE_S)
        except TimeoutError:
            return "accepted"  # they listened and stayed on the line
    finally:
        await session.aclose()


@dataclass(frozen=True, slots=True)
class WarmTransferResult:
    outcome: TransferOutcome
    # What went wrong, for a failure; the bridge carrying the call, once taken.
    error: str = ""
    bridge: AudioBridge | None = None


async def dial_and_brief(
    lk: api.LiveKitAPI,
    target: WarmTransferTarget,
    summary: CallSummary,
    *,
    tts: AnyTTS,
    url: str,
    caller_room: rtc.Room,
    caller: str,
) -> WarmTransferResult:
    """Dial the person into the consult room and brief them; once they take the call their
    audio and the caller's are bridged (until the bridge is closed)."""
    if not target.trunk_id:
        return WarmTransferResult(
            "failed", "the number's trunk has no outbound side to dial the person on"
        )
    room = rtc.Room()
    bridge: AudioBridge | None = None
    try:
        await room.connect(url, _consult_token(target))
        try:
            await lk.sip.create_sip_participant(
                api.CreateSIPParticipantRequest(
                    room_name=target.consult_room,
                    sip_trunk_id=target.trunk_id,
                    sip_call_to=target.destination,
                    sip_number=target.from_number,
                    participant_identity=target.identity,
                    participant_name="Transfer",
                    wait_until_answered=True,
                    play_dialtone=False,
                    ringing_timeout=Duration(seconds=target.ringing_s),
                )
            )
        except LIVEKIT_API_ERRORS as exc:
            return WarmTransferResult(transfer_outcome(exc), str(exc) or type(exc).__name__)
        outcome = await _brief(room, target, summary, tts)
        if outcome != "accepted":
            return WarmTransferResult(outcome, "the person declined the call")
        bridge = await open_bridge(
            lk=lk,
            caller_room=caller_room,
            caller=caller,
            consult=room,
            consult_name=target.consult_room,
            person=target.identity,
        )
        return WarmTransferResult(outcome, bridge=bridge)
    except Exception as exc:
        logger.warning("warm transfer of call %s failed", target.call_id, exc_info=True)
        return WarmTransferResult("failed", str(exc) or type(exc).__name__)
    finally:
        if bridge is None:
            # Whoever is still in the consult room (a person who declined) is hung up on.
            await AudioBridge(consult=room, consult_name=target.consult_room, lk=lk).aclose()
