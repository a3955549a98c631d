"""Offline speech recognition as livekit-agents STTs, segmented by VAD.

Both recognisers are batch (non-streaming) STTs: ``AgentSession`` (or :func:`vad_segmented`)
wraps them in ``stt.StreamAdapter`` with the session's Silero VAD, so each utterance is
transcribed when the caller stops speaking.

- :class:`WhisperSTT`: faster-whisper with Whisper base (CTranslate2, int8), ~0.5 s per
  short utterance on two cores. The model comes from :mod:`voice_models.local.whisper_model`.
- :class:`PocketsphinxSTT`: CMU pocketsphinx with the English model in its wheel; light and
  quick to load, far less accurate: the fallback.
"""

from __future__ import annotations

import asyncio
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from livekit import rtc
from livekit.agents import APIConnectionError, APIConnectOptions, stt, utils, vad
from livekit.agents.language import LanguageCode
from livekit.agents.types import NOT_GIVEN, NotGivenOr

from voice_models.local.whisper_model import ensure_whisper_model

RECOGNITION_RATE = 16000


def to_pcm16k(buffer: utils.AudioBuffer) -> np.ndarray:
    """The buffer as mono 16-bit samples at 16 kHz (what both recognisers expect)."""
    frame = utils.merge_frames(buffer) if isinstance(buffer, list) else buffer
    samples = np.frombuffer(frame.data, dtype=np.int16)
    if frame.num_channels > 1:
        samples = samples.reshape(-1, frame.num_channels).mean(axis=1).astype(np.int16)
    if frame.sample_rate == RECOGNITION_RATE:
        return samples
    resampler = rtc.AudioResampler(
        frame.sample_rate, RECOGNITION_RATE, quality=rtc.AudioResamplerQuality.HIGH
    )
    mono = rtc.AudioFrame(samples.tobytes(), frame.sample_rate, 1, len(samples))
    out = resampler.push(mono) + resampler.flush()
    if not out:
        return np.zeros(0, dtype=np.int16)
    return np.concatenate([np.frombuffer(f.data, dtype=np.int16) for f in out])


def _final(text: str, language: str, duration: float) -> stt.SpeechEvent:
    return stt.SpeechEvent(
        type=stt.SpeechEventType.FINAL_TRANSCRIPT,
        request_id=utils.shortuuid(),
        alternatives=[
            stt.SpeechData(
                language=LanguageCode(language), text=text.strip(), end_time=duration, confidence=1
            )
        ],
    )


def _cpu_threads() -> int:
    return max(1, min(2, os.cpu_count() or 1))


@lru_cache(maxsize=2)
def _whisper(model_dir: str, compute_type: str) -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(
        model_dir, device="cpu", compute_type=compute_type, cpu_threads=_cpu_threads()
    )


class WhisperSTT(stt.STT):
    """faster-whisper on CPU; one transcription at a time per process (a lock)."""

    _lock = threading.Lock()

    def __init__(
        self,
        *,
        language: str = "en",
        model_dir: str | Path | None = None,
        compute_type: str = "int8",
        beam_size: int = 1,
    ) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self._language = (language or "en").split("-")[0]
        self._model_dir = Path(model_dir) if model_dir else None
        self._compute_type = compute_type
        self._beam_size = beam_size

    @property
    def model(self) -> str:
        return "whisper-base"

    @property
    def provider(self) -> str:
        return "local_whisper"

    def load(self) -> Any:
        directory = ensure_whisper_model(self._model_dir)
        return _whisper(str(directory), self._compute_type)

    def prewarm(self) -> None:
        self.load()

    def transcribe(self, samples: np.ndarray, language: str) -> str:
        model = self.load()
        audio = samples.astype(np.float32) / 32768.0
        with self._lock:
            segments, _info = model.transcribe(
                audio,
                language=language,
                beam_size=self._beam_size,
                without_timestamps=True,
                condition_on_previous_text=False,
                vad_filter=False,
            )
            return "".join(segment.text for segment in segments).strip()

    async def _recognize_impl(
        self,
        buffer: utils.AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        lang = (language if isinstance(language, str) and language else self._language).split("-")[
            0
        ]
        samples = to_pcm16k(buffer)
        try:
            text = await asyncio.to_thread(self.transcribe, samples, lang)
        except Exception as exc:
            raise APIConnectionError(f"whisper failed: {exc}", retryable=False) from exc
        return _final(text, lang, len(samples) / RECOGNITION_RATE)


@lru_cache(maxsize=1)
def _sphinx_decoder() -> Any:
    import pocketsphinx

    return pocketsphinx.Decoder(loglevel="FATAL")


class PocketsphinxSTT(stt.STT):
    """pocketsphinx with its bundled US English model (no other language)."""

    _lock = threading.Lock()

    def __init__(self, *, language: str = "en") -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self._language = language or "en"

    @property
    def model(self) -> str:
        return "pocketsphinx-en-us"

    @property
    def provider(self) -> str:
        return "local_pocketsphinx"

    def prewarm(self) -> None:
        _sphinx_decoder()

    def transcribe(self, samples: np.ndarray) -> str:
        decoder = _sphinx_decoder()
        with self._lock:
            decoder.start_utt()
            decoder.process_raw(samples.tobytes(), full_utt=True)
            decoder.end_utt()
            hyp = decoder.hyp()
            return hyp.hypstr if hyp is not None else ""

    async def _recognize_impl(
        self,
        buffer: utils.AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        samples = to_pcm16k(buffer)
        try:
            text = await asyncio.to_thread(self.transcribe, samples)
        except Exception as exc:
            raise APIConnectionError(f"pocketsphinx failed: {exc}", retryable=False) from exc
        return _final(text, "en", len(samples) / RECOGNITION_RATE)


def vad_segmented(recognizer: stt.STT, vad_model: vad.VAD) -> stt.StreamAdapter:
    """A streaming STT: the VAD cuts utterances, the recogniser transcribes each one."""
    return stt.StreamAdapter(stt=recognizer, vad=vad_model)
