"""The call as it was heard, in one Ogg/Opus file: the caller on the left channel, the
agent on the right, both on one wall-clock timeline that starts when recording does.

The caller's audio is placed where it arrived; the agent's where the room's output says it
played, so speech cut short by a barge-in is recorded only as far as the caller heard it.
livekit-agents' RecorderIO records the same way, but through ffmpeg's 32 KB write buffer:
a worker killed mid-call leaves a file with nothing in it. This writer flushes every Ogg
page to the file and encodes what has settled every ``FLUSH_INTERVAL_S``, so a killed
worker loses only the last few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
from livekit import rtc
from livekit.agents.voice import io

logger = logging.getLogger("betool.worker.call_audio")

SAMPLE_RATE = 48_000
FLUSH_INTERVAL_S = 2.0
# The caller's frames arrive as they are spoken; anything older than this has arrived.
INPUT_SETTLE_S = 0.5
# A run of audio goes on while the timestamps coming in stay this close to its own clock;
# past it, the run starts again where they say (a late frame, a gap in the stream).
RESYNC_TOLERANCE_S = 0.1
CALLER, AGENT = 0, 1
# Each Ogg page reaches the file as it is made (not 32 KB later), and a page closes every
# 200 ms (not every second): a block handed to the encoder is on disk but its last 200 ms.
OGG_OPTIONS = {"flush_packets": "1", "page_duration": "200000"}


@dataclass(frozen=True, slots=True)
class _Captured:
    channel: int
    started_at: float
    frame: rtc.AudioFrame


@dataclass(frozen=True, slots=True)
class _Settled:
    until: float


@dataclass(frozen=True, slots=True)
class _RunEnded:
    channel: int


_Item = _Captured | _Settled | _RunEnded | None


def _mono_at_rate(frame: rtc.AudioFrame) -> npt.NDArray[np.float32]:
    """The frame as mono float32 at SAMPLE_RATE (sources here are at or below it)."""
    pcm = np.frombuffer(frame.data, dtype=np.int16).reshape(-1, frame.num_channels)
    mono: npt.NDArray[np.float32] = pcm.mean(axis=1).astype(np.float32) / 32768.0
    if frame.sample_rate == SAMPLE_RATE or len(mono) == 0:
        return mono
    count = round(len(mono) * SAMPLE_RATE / frame.sample_rate)
    positions = np.arange(count, dtype=np.float64) * (frame.sample_rate / SAMPLE_RATE)
    resampled: npt.NDArray[np.float32] = np.interp(positions, np.arange(len(mono)), mono).astype(
        np.float32
    )
    return resampled


class _Channel:
    """One channel: runs of audio placed on the timeline, taken out block by block."""

    def __init__(self, *, t0: float) -> None:
        self._t0 = t0
        self._placed: list[tuple[int, np.ndarray]] = []  # (first sample, samples)
        self._run_start: float | None = None
        self._run_samples = 0
        self.dropped_samples = 0

    def push(self, started_at: float, frame: rtc.AudioFrame) -> None:
        expected = (
            None if self._run_start is None else self._run_start + self._run_samples / SAMPLE_RATE
        )
        if (
            self._run_start is None
            or expected is None
            or abs(started_at - expected) > RESYNC_TOLERANCE_S
        ):
            self._run_start, self._run_samples = started_at, 0
        samples = _mono_at_rate(frame)
        start = round((self._run_start - self._t0) * SAMPLE_RATE) + self._run_samples
        self._placed.append((start, samples))
        self._run_samples += len(samples)

    def end_run(self) -> None:
        self._run_start, self._run_samples = None, 0

    def take(self, start: int, end: int) -> np.ndarray:
        """The channel over ``[start, end)``, silent where nothing was placed; what was
        placed before ``start`` came too late to be written and is dropped."""
        block = np.zeros(max(0, end - start), dtype=np.float32)
        keep: list[tuple[int, np.ndarray]] = []
        for pos, samples in self._placed:
            stop = pos + len(samples)
            if stop <= start:
                self.dropped_samples += len(samples)
                continue
            if pos >= end:
                keep.append((pos, samples))
                continue
            lo, hi = max(pos, start), min(stop, end)
            block[lo - start : hi - start] += samples[lo - pos : hi - pos]
            if stop > end:
                keep.append((end, samples[end - pos :]))
        self._placed = keep
        return block


class CallAudioRecorder:
    """Wraps a session's audio input and output, and writes both to ``path``."""

    def __init__(
        self,
        *,
        path: Path,
        ends_at: Callable[[], float | None] = lambda: None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        """``ends_at`` says when the call ended (Unix time), once it has: nothing after it is
        written, however long the job takes to shut down."""
        self.path = path
        self._ends_at = ends_at
        self._loop = loop or asyncio.get_event_loop()
        self._queue: queue.Queue[_Item] = queue.Queue()
        self._t0: float | None = None
        self._output: RecordedAudioOutput | None = None
        self._flush_task: asyncio.Task[None] | None = None
        self._done: asyncio.Future[None] = self._loop.create_future()
        self._closed = False

    @property
    def recording(self) -> bool:
        return self._t0 is not None and not self._closed

    @property
    def started_at(self) -> float | None:
        """Unix time of the file's first sample."""
        return self._t0

    def record_input(self, source: io.AudioInput) -> RecordedAudioInput:
        return RecordedAudioInput(source=source, on_frame=self._on_input)

    def record_output(self, sink: io.AudioOutput) -> RecordedAudioOutput:
        self._output = RecordedAudioOutput(
            sink=sink, recorder=self, on_played=self._on_played, on_segment_end=self._on_segment_end
        )
        return self._output

    def start(self, *, at: float | None = None) -> None:
        if self._t0 is not None:
            return
        self._t0 = at if at is not None else time.time()
        threading.Thread(target=self._encode, name="betool.call_audio", daemon=True).start()
        self._flush_task = self._loop.create_task(self._flush_every(), name="betool.call_audio")

    async def aclose(self, *, until: float | None = None) -> None:
        """Writes what is left, up to ``until`` (Unix time; by default the call's end, or
        now), and closes the file; waits for the encoder to finish."""
        if self._t0 is None or self._closed:
            return
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
        self._put(_RunEnded(CALLER))
        self._put(_RunEnded(AGENT))
        end = until if until is not None else self._ends_at()
        self._put(_Settled(until=end if end is not None else time.time()))
        self._put(None)
        self._closed = True
        await asyncio.shield(self._done)

    def _put(self, item: _Item) -> None:
        if self._t0 is not None and not self._closed and not self._done.done():
            self._queue.put_nowait(item)

    def _on_input(self, started_at: float, frame: rtc.AudioFrame) -> None:
        self._put(_Captured(CALLER, started_at, frame))

    def _on_played(self, started_at: float, frame: rtc.AudioFrame) -> None:
        self._put(_Captured(AGENT, started_at, frame))

    def _on_segment_end(self) -> None:
        self._put(_RunEnded(AGENT))

    def settled_until(self, now: float) -> float:
        """How far both channels have all their audio: the caller's a moment ago, the
        agent's up to the segment still playing (it says where it played at its end)."""
        settled = now - INPUT_SETTLE_S
        if (ended := self._ends_at()) is not None:
            settled = min(settled, ended)
        if self._output is not None and (pending := self._output.pending_since) is not None:
            settled = min(settled, pending)
        return settled

    async def _flush_every(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL_S)
            self._put(_Settled(until=self.settled_until(time.time())))

    def _encode(self) -> None:
        assert self._t0 is not None
        channels = [_Channel(t0=self._t0), _Channel(t0=self._t0)]
        written = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with av.open(
                str(self.path), mode="w", format="ogg", container_options=OGG_OPTIONS
            ) as container:
                stream = container.add_stream("libopus", rate=SAMPLE_RATE, layout="stereo")
                while (item := self._queue.get()) is not None:
                    if isinstance(item, _Captured):
                        channels[item.channel].push(item.started_at, item.frame)
                    elif isinstance(item, _RunEnded):
                        channels[item.channel].end_run()
                    else:
                        end = round((item.until - self._t0) * SAMPLE_RATE)
                        if end <= written:
                            continue
                        block = np.stack([c.take(written, end) for c in channels])
                        written = end
                        frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
                        frame.sample_rate = SAMPLE_RATE
                        for packet in stream.encode(frame):
                            container.mux(packet)
                for packet in stream.encode(None):
                    container.mux(packet)
        except Exception:
            logger.exception("the call's recording stopped; %s keeps what was written", self.path)
        finally:
            dropped = sum(c.dropped_samples for c in channels)
            if dropped:
                logger.warning("recording dropped %.2f s that came too late", dropped / SAMPLE_RATE)
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits
                self._loop.call_soon_threadsafe(self._resolve_done)

    def _resolve_done(self) -> None:
        if not self._done.done():
            self._done.set_result(None)


class RecordedAudioInput(io.AudioInput):
    """The caller's audio, passed on unchanged and copied to the recording."""

    def __init__(
        self, *, source: io.AudioInput, on_frame: Callable[[float, rtc.AudioFrame], None]
    ) -> None:
        super().__init__(label="betool.recording", source=source)
        self._upstream = source
        self._on_frame = on_frame

    def __aiter__(self) -> AsyncIterator[rtc.AudioFrame]:
        return self

    async def __anext__(self) -> rtc.AudioFrame:
        frame = await self._upstream.__anext__()
        # Frames carry no capture time: arrival is the clock.
        self._on_frame(time.time() - frame.duration, frame)
        return frame


class RecordedAudioOutput(io.AudioOutput):
    """The agent's audio, passed on to the room and copied to the recording as far as
    (and when) the room reports it played."""

    def __init__(
        self,
        *,
        sink: io.AudioOutput,
        recorder: CallAudioRecorder,
        on_played: Callable[[float, rtc.AudioFrame], None],
        on_segment_end: Callable[[], None],
    ) -> None:
        super().__init__(
            label="betool.recording",
            next_in_chain=sink,
            capabilities=io.AudioOutputCapabilities(pause=True),
        )
        self._recorder = recorder
        self._on_played = on_played
        self._on_segment_end = on_segment_end
        self._frames: list[rtc.AudioFrame] = []
        self._pcm: np.ndarray | None = None
        self._segment_since: float | None = None
        self._playback_started_at: float | None = None
        self._reported = False

    @property
    def sample_rate(self) -> int | None:
        if self._sample_rate is not None:
            return self._sample_rate
        return self.next_in_chain.sample_rate if self.next_in_chain else None

    @property
    def pending_since(self) -> float | None:
        """Since when the agent channel waits on a segment that has not said where it played."""
        return self._segment_since

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        if self.next_in_chain:
            await self.next_in_chain.capture_frame(frame)
        await super().capture_frame(frame)
        if self._recorder.recording:
            if not self._frames:
                self._segment_since = time.time()
            self._frames.append(frame)
            self._pcm = None

    def flush(self) -> None:
        super().flush()
        if self.next_in_chain:
            self.next_in_chain.flush()

    def clear_buffer(self) -> None:
        if self.next_in_chain:
            self.next_in_chain.clear_buffer()

    def on_playback_started(self, *, created_at: float) -> None:
        super().on_playback_started(created_at=created_at)
        if self._playback_started_at is None:
            self._playback_started_at = created_at

    def on_playback_progressed(self, *, started_at: float, offset: float, duration: float) -> None:
        super().on_playback_progressed(started_at=started_at, offset=offset, duration=duration)
        if self._recorder.recording:
            self._reported = True
            self._place(started_at=started_at, offset=offset, duration=duration)

    def on_playback_finished(
        self,
        *,
        playback_position: float,
        interrupted: bool,
        synchronized_transcript: str | None = None,
    ) -> None:
        super().on_playback_finished(
            playback_position=playback_position,
            interrupted=interrupted,
            synchronized_transcript=synchronized_transcript,
        )
        if self._recorder.recording:
            if not self._reported and self._frames:
                # A sink that reports no runs is described by its segment's endpoints.
                began = self._playback_started_at
                self._place(
                    started_at=began if began is not None else time.time() - playback_position,
                    offset=0.0,
                    duration=playback_position,
                )
            self._on_segment_end()
        self._frames, self._pcm = [], None
        self._segment_since = self._playback_started_at = None
        self._reported = False

    def _place(self, *, started_at: float, offset: float, duration: float) -> None:
        """Hands the recorder the captured audio of ``[offset, offset + duration)``."""
        if not self._frames or duration <= 0:
            return
        rate, channels = self._frames[0].sample_rate, self._frames[0].num_channels
        if self._pcm is None:
            self._pcm = np.concatenate(
                [np.frombuffer(f.data, dtype=np.int16) for f in self._frames]
            )
        lo = round(offset * rate) * channels
        hi = min(round((offset + duration) * rate) * channels, len(self._pcm))
        if hi <= lo:
            return
        chunk = self._pcm[lo:hi]
        self._on_played(
            started_at,
            rtc.AudioFrame(
                data=chunk.tobytes(),
                sample_rate=rate,
                num_channels=channels,
                samples_per_channel=len(chunk) // channels,
            ),
        )
