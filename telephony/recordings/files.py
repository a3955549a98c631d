"""What a recording file holds, read by decoding it: its length, channels and waveform.

A file a killed worker left ends mid-page; decoding stops at the last whole page, so its
length is what can actually be played."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import av
import numpy as np

PEAK_BINS = 800


@dataclass(frozen=True, slots=True)
class AudioFacts:
    duration_s: float
    channels: int
    # Per channel, PEAK_BINS loudest samples (0 to 1) over equal stretches of the file.
    peaks: list[list[float]]


class UnreadableRecording(Exception):
    """The file holds no audio that can be decoded."""


def audio_facts(path: Path, *, bins: int = PEAK_BINS) -> AudioFacts:
    # The loudest sample of each decoded frame (~20 ms), per channel: a long call's audio
    # never sits in memory at once.
    frame_peaks: list[np.ndarray] = []
    samples = 0
    channels = 0
    rate = 0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            channels = stream.channels
            try:
                for frame in container.decode(stream):
                    rate = frame.sample_rate
                    pcm = np.abs(frame.to_ndarray()).reshape(channels, -1)
                    frame_peaks.append(pcm.max(axis=1))
                    samples += pcm.shape[1]
            except (av.error.InvalidDataError, av.error.EOFError):
                pass  # a truncated last page: what came before it plays
    except (av.error.FFmpegError, IndexError) as exc:
        raise UnreadableRecording(str(exc)) from exc
    if not frame_peaks or not rate:
        raise UnreadableRecording("no audio in the file")
    per_frame = np.stack(frame_peaks, axis=1)
    return AudioFacts(duration_s=samples / rate, channels=channels, peaks=_peaks(per_frame, bins))


def _peaks(per_frame: np.ndarray, bins: int) -> list[list[float]]:
    count = per_frame.shape[1]
    edges = np.linspace(0, count, num=min(bins, count) + 1, dtype=int)
    return [
        [round(min(float(channel[a:b].max(initial=0.0)), 1.0), 2) for a, b in pairwise(edges)]
        for channel in per_frame
    ]
