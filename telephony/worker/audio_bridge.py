"""Carries the audio between the caller's room and a warm transfer's consult room once the
person has taken the call: open-source livekit-server cannot move a participant between
rooms (MoveParticipant is "not implemented" there), so the worker relays both ways."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field

from livekit import api, rtc

from telephony.livekit_errors import LIVEKIT_API_ERRORS

logger = logging.getLogger("betool.worker")

RATE = 48000
TRACK_WAIT_S = 10.0


async def audio_track(room: rtc.Room, identity: str, *, within: float = TRACK_WAIT_S) -> rtc.Track:
    """The (subscribed) audio track of ``identity`` in ``room``, waiting for it if needed."""
    found: asyncio.Future[rtc.Track] = asyncio.get_running_loop().create_future()

    def offer(track: rtc.Track, participant: rtc.RemoteParticipant) -> None:
        if (
            participant.identity == identity
            and track.kind == rtc.TrackKind.KIND_AUDIO
            and not found.done()
        ):
            found.set_result(track)

    def subscribed(
        track: rtc.Track, _: rtc.RemoteTrackPublication, participant: rtc.RemoteParticipant
    ) -> None:
        offer(track, participant)

    room.on("track_subscribed", subscribed)
    try:
        participant = room.remote_participants.get(identity)
        if participant is not None:
            for publication in participant.track_publications.values():
                if publication.track is not None:
                    offer(publication.track, participant)
        return await asyncio.wait_for(found, timeout=within)
    finally:
        room.off("track_subscribed", subscribed)


async def _publish(room: rtc.Room, name: str) -> rtc.AudioSource:
    source = rtc.AudioSource(RATE, 1)
    track = rtc.LocalAudioTrack.create_audio_track(name, source)
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    await room.local_participant.publish_track(track, options)
    return source


async def _relay(track: rtc.Track, source: rtc.AudioSource) -> None:
    stream = rtc.AudioStream.from_track(track=track, sample_rate=RATE, num_channels=1)
    try:
        async for event in stream:
            await source.capture_frame(event.frame)
    finally:
        await stream.aclose()


@dataclass
class AudioBridge:
    consult: rtc.Room
    consult_name: str
    lk: api.LiveKitAPI
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    closed: bool = False

    async def aclose(self) -> None:
        """Stops relaying, leaves the consult room and deletes it (the person gets a BYE)."""
        if self.closed:
            return
        self.closed = True
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(BaseException):
                await task
        await self.consult.disconnect()
        try:
            await asyncio.wait_for(
                self.lk.room.delete_room(api.DeleteRoomRequest(room=self.consult_name)), timeout=5
            )
        except LIVEKIT_API_ERRORS:
            logger.info("consult room %s was already gone", self.consult_name)

    def on_person_left(self, person: str, then: Callable[[], Coroutine[None, None, None]]) -> None:
        def left(participant: rtc.RemoteParticipant) -> None:
            if participant.identity == person:
                self.tasks.append(asyncio.create_task(then()))

        self.consult.on("participant_disconnected", left)


async def open_bridge(
    *,
    lk: api.LiveKitAPI,
    caller_room: rtc.Room,
    caller: str,
    consult: rtc.Room,
    consult_name: str,
    person: str,
) -> AudioBridge:
    """Relays the caller to the person and the person to the caller, until closed."""
    caller_track = await audio_track(caller_room, caller)
    person_track = await audio_track(consult, person)
    to_caller = await _publish(caller_room, "transfer-person")
    to_person = await _publish(consult, "transfer-caller")
    bridge = AudioBridge(consult=consult, consult_name=consult_name, lk=lk)
    bridge.tasks += [
        asyncio.create_task(_relay(person_track, to_caller), name="betool.bridge.to_caller"),
        asyncio.create_task(_relay(caller_track, to_person), name="betool.bridge.to_person"),
    ]
    return bridge
