"""The worker's call recorder, on fake audio: two channels on one timeline, the agent's
audio only as far as it played, and a file that plays while it is still being written."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from livekit import rtc
from livekit.agents.voice import io

from telephony.recordings.files import AudioFacts, audio_facts
from telephony.worker import call_audio
from telephony.worker.call_audio import CallAudioRecorder

RATE = 16_000
FRAME = 320  # 20 ms


def tone(hz: float, samples: int, rate: int = RATE) -> rtc.AudioFrame:
    t = np.arange(samples) / rate
    pcm = (np.sin(2 * np.pi * hz * t) * 12_000).astype(np.int16)
    return rtc.AudioFrame(
        data=pcm.tobytes(), sample_rate=rate, num_channels=1, samples_per_channel=samples
    )


class LiveInput(io.AudioInput):
    """A caller who says a 440 Hz tone for ``speak_s``, then is silent; real time."""

    def __init__(self, *, speak_s: float) -> None:
        super().__init__(label="fake caller")
        self._until = time.time() + speak_s

    async def __anext__(self) -> rtc.AudioFrame:
        await asyncio.sleep(FRAME / RATE)
        if time.time() < self._until:
            return tone(440, FRAME)
        return rtc.AudioFrame(
            data=bytes(FRAME * 2), sample_rate=RATE, num_channels=1, samples_per_channel=FRAME
        )


class Speaker(io.AudioOutput):
    """A sink that plays in real time and says so when the segment ends (as the room's
    output does), stopping early when cleared."""

    def __init__(self) -> None:
        super().__init__(label="fake room", capabilities=io.AudioOutputCapabilities(pause=False))
        self.pushed = 0.0
        self.started: float | None = None
        self.cleared = False

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if self.started is None:
            self.started = time.time()
            self.on_playback_started(created_at=self.started)
        self.pushed += frame.duration

    def flush(self) -> None:
        super().flush()

    def clear_buffer(self) -> None:
        self.cleared = True

    def finish(self, *, played: float) -> None:
        assert self.started is not None
        self.on_playback_progressed(started_at=self.started, offset=0.0, duration=played)
        self.on_playback_finished(playback_position=played, interrupted=played < self.pushed)
        self.started, self.pushed = None, 0.0


def channel_energy(path: Path, start_s: float, end_s: float) -> tuple[float, float]:
    import av

    with av.open(str(path)) as container:
        chunks = [f.to_ndarray() for f in container.decode(audio=0)]
    pcm = np.concatenate(chunks, axis=1)
    lo, hi = round(start_s * 48_000), round(end_s * 48_000)
    window = pcm[:, lo:hi]
    return float(np.abs(window[0]).mean()), float(np.abs(window[1]).mean())


@pytest.fixture(autouse=True)
def quick_flushes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(call_audio, "FLUSH_INTERVAL_S", 0.5)


async def test_caller_and_agent_land_on_their_channels_at_their_time(tmp_path: Path) -> None:
    path = tmp_path / "call.ogg"
    recorder = CallAudioRecorder(path=path)
    caller = recorder.record_input(LiveInput(speak_s=1.0))
    speaker = Speaker()
    output = recorder.record_output(speaker)
    t0 = time.time()
    recorder.start(at=t0)

    async def listen() -> None:
        async for _frame in caller:
            pass

    listening = asyncio.create_task(listen())
    await asyncio.sleep(1.5)
    # The agent answers at about 1.5 s (a loaded machine's sleep runs over: the windows
    # below start from when it really did) with one second of 880 Hz at 24 kHz, all played.
    answered_at = time.time() - t0
    for _ in range(50):
        await output.capture_frame(tone(880, 480, rate=24_000))
    output.flush()
    await asyncio.sleep(1.0)
    speaker.finish(played=1.0)
    await asyncio.sleep(0.6)
    await recorder.aclose(until=t0 + 3.0)
    listening.cancel()

    facts = audio_facts(path)
    assert facts.channels == 2
    assert facts.duration_s == pytest.approx(3.0, abs=0.05)
    caller_speaks = channel_energy(path, 0.1, 0.9)
    agent_speaks = channel_energy(path, answered_at + 0.2, min(answered_at + 0.9, 3.0))
    assert caller_speaks[0] > 0.1
    assert caller_speaks[1] < 0.01
    assert agent_speaks[1] > 0.1
    assert agent_speaks[0] < 0.01


async def test_agent_speech_cut_short_is_recorded_only_as_far_as_it_played(
    tmp_path: Path,
) -> None:
    path = tmp_path / "call.ogg"
    recorder = CallAudioRecorder(path=path)
    caller = recorder.record_input(LiveInput(speak_s=0.0))
    speaker = Speaker()
    output = recorder.record_output(speaker)
    t0 = time.time()
    recorder.start(at=t0)
    listening = asyncio.create_task(_drain(caller))
    # Three seconds of speech handed over at once; the caller barges in after 0.8 s.
    for _ in range(150):
        await output.capture_frame(tone(880, 480, rate=24_000))
    output.flush()
    await asyncio.sleep(0.8)
    output.clear_buffer()
    speaker.finish(played=0.8)
    await asyncio.sleep(0.6)
    await recorder.aclose(until=t0 + 3.0)
    listening.cancel()

    assert speaker.cleared
    assert channel_energy(path, 0.1, 0.7)[1] > 0.1
    assert channel_energy(path, 1.0, 3.0)[1] < 0.01  # what never played is not in the file


async def test_a_file_still_being_written_already_plays(tmp_path: Path) -> None:
    """What a worker killed now would leave: the file as it is on disk mid-call."""
    path = tmp_path / "call.ogg"
    recorder = CallAudioRecorder(path=path)
    caller = recorder.record_input(LiveInput(speak_s=30.0))
    recorder.record_output(Speaker())
    recorder.start()
    listening = asyncio.create_task(_drain(caller))
    left_behind = tmp_path / "left.ogg"
    try:
        # The flushes (every 0.5 s here) put the call on disk as it goes: a copy taken while the
        # recorder still writes decodes, two seconds of it at least, the caller on the left.
        facts = await _copy_once_it_holds(path, left_behind, seconds=2.0)
    finally:
        await recorder.aclose()
        listening.cancel()

    assert facts.channels == 2
    assert channel_energy(left_behind, 0.2, facts.duration_s - 0.2)[0] > 0.1


async def _copy_once_it_holds(path: Path, copy: Path, *, seconds: float) -> AudioFacts:
    """Copy ``path`` until the copy decodes to ``seconds`` of audio; a ceiling no healthy run
    approaches (the flushes make that a few seconds) says the file never grew."""
    give_up = time.monotonic() + 60
    facts = None
    while time.monotonic() < give_up:
        await asyncio.sleep(0.25)
        facts = _copy_of(path, copy)
        if facts is not None and facts.duration_s >= seconds:
            return facts
    raise AssertionError(f"the file on disk never held {seconds} s of audio: {facts}")


def _copy_of(path: Path, copy: Path) -> AudioFacts | None:
    if not path.exists():
        return None
    shutil.copy(path, copy)
    return audio_facts(copy)


async def _drain(source: io.AudioInput) -> None:
    async for _frame in source:
        pass


async def test_nothing_after_the_end_of_the_call_is_written(tmp_path: Path) -> None:
    """The job takes a while to shut down after the caller hung up: the file still ends
    where the call did."""
    path = tmp_path / "call.ogg"
    t0 = time.time()
    ended: list[float] = []
    recorder = CallAudioRecorder(path=path, ends_at=lambda: ended[0] if ended else None)
    caller = recorder.record_input(LiveInput(speak_s=30.0))
    recorder.record_output(Speaker())
    recorder.start(at=t0)
    listening = asyncio.create_task(_drain(caller))
    await asyncio.sleep(1.5)
    ended.append(t0 + 1.5)  # the caller hangs up
    await asyncio.sleep(2.0)  # flushes go on meanwhile
    await recorder.aclose()
    listening.cancel()

    assert audio_facts(path).duration_s == pytest.approx(1.5, abs=0.05)
