"""Stereo Ogg/Opus files shaped like a call's recording: the caller on the left channel, the
agent on the right, each "speaking" (a warbling tone) over the stretches given."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

RATE = 48_000

Stretch = tuple[float, float]  # (from s, to s)


def _voice(t: np.ndarray, stretches: list[Stretch], hz: float) -> np.ndarray:
    signal = np.zeros_like(t)
    for start, end in stretches:
        inside = (t >= start) & (t < end)
        # Syllables: the loudness rises and falls four times a second.
        envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t[inside]) ** 2
        signal[inside] = 0.5 * envelope * np.sin(2 * np.pi * hz * t[inside])
    return signal


def write_call_ogg(
    path: Path, *, seconds: float, caller: list[Stretch], agent: list[Stretch]
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(round(seconds * RATE)) / RATE
    block = np.stack([_voice(t, caller, 220), _voice(t, agent, 330)]).astype(np.float32)
    with av.open(str(path), mode="w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=RATE, layout="stereo")
        frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
        frame.sample_rate = RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return path
