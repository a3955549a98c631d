"""A caller in a LiveKit room, as a phone or the browser would be: it publishes a microphone
track that carries silence between utterances (as a phone line does), speaks espeak-ng audio
in real time, sends DTMF, records the agent's audio with the arrival time of every frame,
and transcribes what it heard with the local Whisper.

Flow test suites run by voice with it, and so do the voice tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import numpy as np
from livekit import api, rtc

from voice_models.local.espeak import synthesize_pcm

# The tests' caller speaks and hears at Whisper's rate. The latency bench's caller uses the
# room's own (Opus runs at 48 kHz): at 16 kHz the SDK's resamplers add ~10 ms each way, a
# delay of this simulated phone, not of the agent.
RATE = 16000
ROOM_RATE = 48000
FRAME_MS = 20
SPEECH_RMS = 300.0  # agent audio louder than this counts as speech


@dataclass(frozen=True)
class LiveKitEnv:
    url: str
    api_key: str
    api_secret: str


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def similarity(heard: str, expected: str) -> float:
    """How well ``heard`` matches ``expected``: the better of two measures, because espeak
    through Opus to Whisper slips in two ways. Whole words that come out close ("accountive"
    for "account") keep the word share high; words heard as others of a similar sound
    ("marines" for "balance") keep the character-level ratio of the whole line high. A
    different sentence scores low on both (0.3-0.45 against the lines of these tests)."""
    line = SequenceMatcher(None, " ".join(words(heard)), " ".join(words(expected))).ratio()
    return max(line, word_share(heard, expected))


def word_share(heard: str, expected: str) -> float:
    """Share of the expected words heard, each matched to its closest heard word."""
    want = set(words(expected))
    if not want:
        return 1.0
    got = set(words(heard))
    if not got:
        return 0.0

    def close(word: str) -> bool:
        return word in got or max(SequenceMatcher(None, word, g).ratio() for g in got) >= 0.75

    return sum(1 for word in want if close(word)) / len(want)


def to_frames(pcm: bytes, rate: int, *, to_rate: int = RATE) -> list[rtc.AudioFrame]:
    """16-bit mono PCM at ``rate`` → 20 ms frames at ``to_rate``."""
    frames: list[rtc.AudioFrame] = []
    samples = to_rate * FRAME_MS // 1000
    if rate != to_rate:
        resampler = rtc.AudioResampler(rate, to_rate, quality=rtc.AudioResamplerQuality.HIGH)
        out = resampler.push(rtc.AudioFrame(pcm, rate, 1, len(pcm) // 2)) + resampler.flush()
        pcm = b"".join(bytes(f.data) for f in out)
    step = samples * 2
    for i in range(0, len(pcm), step):
        chunk = pcm[i : i + step]
        if len(chunk) < step:
            chunk += bytes(step - len(chunk))
        frames.append(rtc.AudioFrame(chunk, to_rate, 1, samples))
    return frames


def speech_frames(text: str, *, rate_wpm: int = 140, to_rate: int = RATE) -> list[rtc.AudioFrame]:
    pcm, rate = synthesize_pcm(text, rate_wpm=rate_wpm)
    return to_frames(pcm, rate, to_rate=to_rate)


def tone_frames(
    hz: float, seconds: float, *, level: float = 0.3, to_rate: int = RATE
) -> list[rtc.AudioFrame]:
    """A pure tone, as a voicemail's beep."""
    t = np.arange(int(to_rate * seconds)) / to_rate
    pcm = (level * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16).tobytes()
    return to_frames(pcm, to_rate, to_rate=to_rate)


@dataclass
class Heard:
    """Agent audio received between two moments, with when it started and stopped."""

    pcm: bytes
    first_audio: float | None
    last_audio: float | None
    text: str = ""
    rate: int = RATE

    @property
    def duration(self) -> float:
        return len(self.pcm) / 2 / self.rate

    def ending(self, seconds: float) -> bytes:
        """The last ``seconds`` of sound before the quiet that closed this stretch."""
        samples = np.frombuffer(self.pcm, dtype=np.int16).astype(np.float32)
        frame = self.rate * FRAME_MS // 1000
        count = len(samples) // frame
        if count == 0:
            return self.pcm
        levels = np.sqrt(np.mean(samples[: count * frame].reshape(count, frame) ** 2, axis=1))
        loud = np.flatnonzero(levels >= SPEECH_RMS)
        end = (int(loud[-1]) + 1) * frame if len(loud) else len(samples)
        start = max(0, end - int(seconds * self.rate))
        return self.pcm[start * 2 : end * 2]


@dataclass
class Received:
    at: float
    rms: float
    data: bytes


@dataclass
class Caller:
    env: LiveKitEnv
    room_name: str
    identity: str = field(default_factory=lambda: f"caller-{uuid.uuid4().hex[:8]}")
    attributes: dict[str, str] = field(default_factory=dict)
    rate: int = RATE  # what this caller sends and hears
    # The size of the frames the caller hears in: a frame is timed when it is complete, so
    # the latency bench listens in 10 ms frames to time the agent's first audio closer.
    listen_frame_ms: int = FRAME_MS
    room: rtc.Room = field(default_factory=rtc.Room)
    received: list[Received] = field(default_factory=list)
    _source: rtc.AudioSource | None = None
    _queue: asyncio.Queue[rtc.AudioFrame] = field(default_factory=asyncio.Queue)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    agent_joined: asyncio.Event = field(default_factory=asyncio.Event)
    agent_left: asyncio.Event = field(default_factory=asyncio.Event)
    # The agent subscribed to this caller's audio: from now on what is said is heard.
    heard_by_agent: asyncio.Event = field(default_factory=asyncio.Event)
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)
    speech_sent: list[tuple[float, float]] = field(default_factory=list)
    _speech_frames_sent: list[float] = field(default_factory=list)  # each handed to the SDK
    given_token: str = ""  # a token minted by betool (browser voice tests)
    cursor: int = 0  # received frames up to here were taken by an earlier ``hear``
    _drained: asyncio.Event = field(default_factory=asyncio.Event)

    def token(self) -> str:
        if self.given_token:
            return self.given_token
        return (
            api.AccessToken(self.env.api_key, self.env.api_secret)
            .with_identity(self.identity)
            .with_name("Test caller")
            .with_attributes(self.attributes)
            .with_grants(api.VideoGrants(room_join=True, room=self.room_name))
            .to_jwt()
        )

    async def join(self) -> None:
        room = self.room

        @room.on("track_subscribed")
        def _subscribed(
            track: rtc.Track, _pub: rtc.RemoteTrackPublication, participant: rtc.RemoteParticipant
        ) -> None:
            if track.kind == rtc.TrackKind.KIND_AUDIO:
                self._tasks.append(asyncio.create_task(self._listen(track)))

        @room.on("participant_connected")
        def _joined(participant: rtc.RemoteParticipant) -> None:
            if participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT:
                self.agent_joined.set()

        @room.on("participant_disconnected")
        def _left(participant: rtc.RemoteParticipant) -> None:
            if participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT:
                self.agent_left.set()

        @room.on("disconnected")
        def _disconnected(*_: object) -> None:
            self.disconnected.set()

        @room.on("local_track_subscribed")
        def _heard(*_: object) -> None:
            self.heard_by_agent.set()

        await room.connect(self.env.url, self.token())
        # One frame of queue, like a SIP gateway relaying 20 ms RTP packets: a deeper queue
        # settles at a fill level that delays everything the caller says by up to its depth.
        self._source = rtc.AudioSource(self.rate, 1, queue_size_ms=FRAME_MS)
        track = rtc.LocalAudioTrack.create_audio_track("microphone", self._source)
        await room.local_participant.publish_track(
            track, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        )
        self._tasks.append(asyncio.create_task(self._pump()))

    async def _pump(self) -> None:
        """Send a 20 ms frame every 20 ms: queued speech, else silence (a live phone line)."""
        assert self._source is not None
        samples = self.rate * FRAME_MS // 1000
        silence = rtc.AudioFrame(bytes(samples * 2), self.rate, 1, samples)
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            try:
                frame = self._queue.get_nowait()
                self._speech_frames_sent.append(time.perf_counter())
            except asyncio.QueueEmpty:
                frame = silence
                self._drained.set()
            with contextlib.suppress(Exception):
                await self._source.capture_frame(frame)
            next_at += FRAME_MS / 1000
            delay = next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                next_at = loop.time()

    async def _listen(self, track: rtc.Track) -> None:
        stream = rtc.AudioStream(
            track, sample_rate=self.rate, num_channels=1, frame_size_ms=self.listen_frame_ms
        )
        try:
            async for event in stream:
                data = bytes(event.frame.data)
                samples = np.frombuffer(data, dtype=np.int16).astype(np.float32)
                rms = float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0
                self.received.append(Received(time.perf_counter(), rms, data))
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(stream.aclose())

    async def say(self, text: str, *, rate_wpm: int = 140) -> tuple[float, float]:
        """Speak ``text``; returns when its first and last frames were handed to the SDK
        (perf_counter), as a phone hands over each frame of its microphone once recorded.
        The utterance is loud to its last frame, so that is the end of the caller's speech."""
        return await self.play(speech_frames(text, rate_wpm=rate_wpm, to_rate=self.rate))

    async def play(self, frames: list[rtc.AudioFrame]) -> tuple[float, float]:
        """Send ``frames`` as the line's next audio (speech, a voicemail's beep); returns when
        the first and last were handed to the SDK."""
        self._drained.clear()
        first = len(self._speech_frames_sent)
        for frame in frames:
            self._queue.put_nowait(frame)
        await self._drained.wait()
        sent = self._speech_frames_sent[first:]
        self.speech_sent.append((sent[0], sent[-1]))
        return sent[0], sent[-1]

    def publish_dtmf(self, digits: str) -> list[asyncio.Task[None]]:
        codes = {"*": 10, "#": 11}

        async def send() -> None:
            for digit in digits:
                code = codes.get(digit, int(digit) if digit.isdigit() else 0)
                await self.room.local_participant.publish_dtmf(code=code, digit=digit)
                await asyncio.sleep(0.15)

        task = asyncio.create_task(send())
        return [task]

    def mark(self) -> int:
        return len(self.received)

    async def hear(
        self,
        *,
        since: int | None = None,
        within: float = 20.0,
        silence_s: float = 1.2,
        transcribe: bool = True,
    ) -> Heard:
        """The next thing the agent says: from its first loud frame to ``silence_s`` of quiet.

        It starts where the previous ``hear`` stopped (or at ``since``), so speech that began
        while the previous one was being transcribed is not lost.
        """
        start_index = self.cursor if since is None else since
        loop = asyncio.get_running_loop()
        give_up = loop.time() + within
        first: int | None = None
        last_loud: float | None = None
        index = start_index
        while loop.time() < give_up:
            while index < len(self.received):
                item = self.received[index]
                if item.rms >= SPEECH_RMS:
                    if first is None:
                        first = index
                    last_loud = item.at
                index += 1
            if last_loud is not None and time.perf_counter() - last_loud >= silence_s:
                break
            if self.disconnected.is_set() and first is None:
                break
            await asyncio.sleep(0.05)
        self.cursor = index
        if first is None:
            return Heard(b"", None, None, rate=self.rate)
        chunk = self.received[first:index]
        pcm = b"".join(r.data for r in chunk)
        heard = Heard(pcm, chunk[0].at, last_loud, rate=self.rate)
        if transcribe:
            heard.text = await transcribe_pcm(pcm, rate=self.rate)
        return heard

    def last_loud_after(self, moment: float) -> float | None:
        loud = [r.at for r in self.received if r.at >= moment and r.rms >= SPEECH_RMS]
        return max(loud) if loud else None

    def last_loud_before(self, index: int, moment: float) -> float | None:
        """The last loud frame from ``index`` on that arrived before ``moment``."""
        loud = [r.at for r in self.received[index:] if r.at <= moment and r.rms >= SPEECH_RMS]
        return max(loud) if loud else None

    def first_loud_after(self, moment: float) -> float | None:
        for r in self.received:
            if r.at >= moment and r.rms >= SPEECH_RMS:
                return r.at
        return None

    async def leave(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        with contextlib.suppress(Exception):
            await self.room.disconnect()


_whisper = None


async def transcribe_pcm(pcm: bytes, *, rate: int = RATE) -> str:
    global _whisper
    from voice_models.local.stt import WhisperSTT

    if not pcm:
        return ""
    if _whisper is None:
        _whisper = WhisperSTT(language="en")
    frame = rtc.AudioFrame(pcm, rate, 1, len(pcm) // 2)
    event = await _whisper.recognize([frame])
    return event.alternatives[0].text if event.alternatives else ""
