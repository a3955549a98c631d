"""The caller's leg as livekit-sip reports it: ringing, answered, ended, and why.

livekit-sip answers an inbound call (200 OK) only once someone in the room subscribes to the
caller's audio, and then publishes ``sip.callStatus = active`` on the caller's participant;
a BYE or CANCEL turns it to ``hangup``. So the worker subscribes to nothing until the call is
admitted (a refused call is still ringing and is rejected with 486, never answered), and the
call's time runs from the ``active`` attribute to the moment the caller's leg leaves.

A leg that leaves while still ``active`` was dropped by livekit-sip itself, not hung up: the
200 OK was never acknowledged (``no-ack``). A leg that goes ``hangup`` after its caller's
audio had stopped arriving for ``MEDIA_SILENT_S`` was ended by livekit-sip's media timeout.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from livekit import rtc

if TYPE_CHECKING:
    from telephony.worker.state import CallState

SIP_CALL_STATUS = "sip.callStatus"
ACTIVE = "active"
HANGUP = "hangup"
# A caller whose packets stopped this long before the leg ended did not hang up: livekit-sip
# gave up on the media (its media_timeout, 15 s by default). A caller's phone sends every
# 20 ms until its BYE; the worker samples the packet count every 2 s.
MEDIA_SILENT_S = 4.0


def is_sip(participant: rtc.RemoteParticipant) -> bool:
    return participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_SIP


def subscribe_audio(room: rtc.Room, participant: rtc.RemoteParticipant) -> None:
    """Subscribe to the participant's audio, now and when it publishes it later."""

    def take(publication: rtc.RemoteTrackPublication) -> None:
        if publication.kind == rtc.TrackKind.KIND_AUDIO and not publication.subscribed:
            publication.set_subscribed(True)

    for publication in participant.track_publications.values():
        take(publication)

    @room.on("track_published")
    def _published(publication: rtc.RemoteTrackPublication, who: rtc.RemoteParticipant) -> None:
        if who.identity == participant.identity:
            take(publication)


class SipLeg:
    """Follows one caller's leg: when it was answered, when it ended, what ended it.

    For a participant that is not a SIP leg (a browser or the voice tier's caller), the call
    counts as answered when the leg is followed.
    """

    def __init__(self, room: rtc.Room, participant: rtc.RemoteParticipant) -> None:
        self.identity = participant.identity
        self.sip = is_sip(participant)
        self.status = participant.attributes.get(SIP_CALL_STATUS, "") if self.sip else ACTIVE
        self.answered = asyncio.Event()
        # Set at the answer or at the end of the leg, whichever comes first.
        self.settled = asyncio.Event()
        self.answered_at: datetime | None = None
        self.answered_mono: float | None = None
        self.ended_at: datetime | None = None
        self.ended_mono: float | None = None
        self.last_packet_mono: float | None = None
        if self.status == ACTIVE:
            self._answer()
        room.on("participant_attributes_changed", self._attributes_changed)
        room.on("participant_disconnected", self._left)

    @property
    def ringing(self) -> bool:
        return not self.answered.is_set()

    def _answer(self) -> None:
        if self.answered.is_set():
            return
        self.answered_at = timezone.now()
        self.answered_mono = time.monotonic()
        self.answered.set()
        self.settled.set()

    def _attributes_changed(self, changed: dict[str, str], participant: Any) -> None:
        if getattr(participant, "identity", None) != self.identity:
            return
        status = changed.get(SIP_CALL_STATUS)
        if not status:
            return
        self.status = status
        if status == ACTIVE:
            self._answer()
        elif status == HANGUP:
            self.mark_ended()

    def _left(self, participant: Any) -> None:
        if getattr(participant, "identity", None) == self.identity:
            self.mark_ended()

    def mark_ended(self) -> None:
        """The leg is over (BYE sent or received): its time stops here, once."""
        if self.ended_mono is None:
            self.ended_at = timezone.now()
            self.ended_mono = time.monotonic()
        self.settled.set()

    def heard_packet(self) -> None:
        self.last_packet_mono = time.monotonic()

    async def wait_answered(self, *, within: float) -> bool:
        """Whether the leg is answered, waiting until it is, ends, or ``within`` s pass."""
        try:
            await asyncio.wait_for(self.settled.wait(), timeout=within)
        except TimeoutError:
            return False
        return self.answered.is_set() and self.ended_mono is None

    def answered_seconds(self, *, now: float | None = None) -> float:
        """The call's billable time: from the answer to the end of the leg (or now)."""
        if self.answered_mono is None:
            return 0.0
        end = self.ended_mono if self.ended_mono is not None else (now or time.monotonic())
        return max(0.0, end - self.answered_mono)

    def platform_end_reason(self) -> str:
        """``no_ack`` or ``media_timeout`` when livekit-sip ended the leg itself, else ""."""
        from telephony.models import CallEndReason

        if not self.sip or self.ended_mono is None:
            return ""
        if self.status == ACTIVE or (self.status != HANGUP and not self.answered.is_set()):
            return CallEndReason.NO_ACK
        if (
            self.status == HANGUP
            and self.last_packet_mono is not None
            and self.ended_mono - self.last_packet_mono >= MEDIA_SILENT_S
        ):
            return CallEndReason.MEDIA_TIMEOUT
        return ""


async def watch_caller_packets(state: CallState, *, tick: float = 2.0) -> None:
    """Notes when the caller's RTP last arrived (the worker subscribes to nothing else), so
    that a leg livekit-sip ends for lack of media is recorded as a media timeout."""
    leg = state.leg
    room = state.ctx.room
    received = -1
    while leg is not None and leg.ended_mono is None and not state.ending:
        try:
            stats = await room.get_rtc_stats()
        except RuntimeError:  # the room is closing (or closed): no more packets to count
            return
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
