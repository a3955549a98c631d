"""The latency bench's stub recognizer counts its endpointing silence as a provider does:
from where the speech ended inside a frame, not from the end of the frame that held it."""

from __future__ import annotations

import numpy as np
import pytest
from livekit import rtc

from bench.voice_latency import LOUD_RMS, quiet_after_speech_s

RATE = 16_000


def _frame(loud_ms: int, quiet_ms: int) -> rtc.AudioFrame:
    loud = np.full(RATE * loud_ms // 1000, int(LOUD_RMS * 4), dtype=np.int16)
    quiet = np.zeros(RATE * quiet_ms // 1000, dtype=np.int16)
    samples = np.concatenate([loud, quiet])
    return rtc.AudioFrame(samples.tobytes(), RATE, 1, len(samples))


@pytest.mark.parametrize(
    ("loud_ms", "quiet_ms", "expected_s"),
    [(32, 0, 0.0), (10, 22, 0.022), (20, 12, 0.012), (31, 1, 0.0)],
)
def test_the_silence_starts_at_the_last_loud_block(
    loud_ms: int, quiet_ms: int, expected_s: float
) -> None:
    assert quiet_after_speech_s(_frame(loud_ms, quiet_ms)) == pytest.approx(expected_s)


def test_a_frame_without_speech_has_no_end_of_speech() -> None:
    assert quiet_after_speech_s(_frame(0, 32)) is None
