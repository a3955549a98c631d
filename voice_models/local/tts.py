"""espeak-ng as a livekit-agents TTS: offline, streaming sentence by sentence.

Text pushed into a stream is cut at sentence boundaries; each sentence is synthesised as
soon as it is complete (a few milliseconds of CPU), resampled from espeak-ng's native
22.05 kHz to the requested rate (16 or 24 kHz) and pushed as PCM frames. Closing the
stream (barge-in) aborts a synthesis in progress.
"""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass

from livekit import rtc
from livekit.agents import APIConnectionError, APIConnectOptions, tts, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS

from voice_models.local.espeak import EspeakError, engine

SUPPORTED_SAMPLE_RATES = (16000, 22050, 24000, 48000)
_SENTENCE_END = re.compile(r"(?<=[^\d\s][.!?…;:])[\"')\]]*(?:\s+|$)|\n+")


def split_complete(text: str) -> tuple[list[str], str]:
    """Split ``text`` into its complete sentences and the unfinished rest.

    A sentence ends with ``. ! ? … ; :`` (not after a digit, so "3.5" stays whole) followed by
    whitespace or the end of the text, or with a newline.
    """
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if end <= start:
            continue
        piece = text[start:end].strip()
        if piece:
            sentences.append(piece)
        start = end
    return sentences, text[start:]


@dataclass(frozen=True)
class _Options:
    voice: str
    rate_wpm: int
    sample_rate: int


class EspeakTTS(tts.TTS):
    def __init__(
        self, *, voice: str = "en-us", rate_wpm: int = 150, sample_rate: int = 24000
    ) -> None:
        if sample_rate not in SUPPORTED_SAMPLE_RATES:
            raise ValueError(f"sample_rate must be one of {SUPPORTED_SAMPLE_RATES}")
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=True),
            sample_rate=sample_rate,
            num_channels=1,
        )
        self._opts = _Options(voice=voice or "en-us", rate_wpm=rate_wpm, sample_rate=sample_rate)

    @property
    def model(self) -> str:
        return f"espeak-ng:{self._opts.voice}"

    @property
    def provider(self) -> str:
        return "local_espeak"

    def prewarm(self) -> None:
        engine()

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> EspeakChunkedStream:
        return EspeakChunkedStream(tts=self, input_text=text, conn_options=conn_options)

    def stream(
        self, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> EspeakSynthesizeStream:
        return EspeakSynthesizeStream(tts=self, conn_options=conn_options)


async def _speak(opts: _Options, text: str, emitter: tts.AudioEmitter) -> None:
    """Synthesise one piece of text in a worker thread, pushing frames as they come."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()
    abort = threading.Event()
    eng = engine()
    resampler = (
        rtc.AudioResampler(
            eng.sample_rate, opts.sample_rate, quality=rtc.AudioResamplerQuality.MEDIUM
        )
        if eng.sample_rate != opts.sample_rate
        else None
    )

    def sink(data: bytes) -> bool:
        if abort.is_set():
            return False
        loop.call_soon_threadsafe(queue.put_nowait, data)
        return True

    def run() -> None:
        try:
            eng.synthesize(text, sink, voice=opts.voice, rate_wpm=opts.rate_wpm)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    def emit(frames: list[rtc.AudioFrame]) -> None:
        for frame in frames:
            emitter.push(bytes(frame.data))

    worker = loop.run_in_executor(None, run)
    try:
        while (data := await queue.get()) is not None:
            if resampler is None:
                emitter.push(data)
            else:
                emit(resampler.push(rtc.AudioFrame(data, eng.sample_rate, 1, len(data) // 2)))
        if resampler is not None:
            emit(resampler.flush())
        await worker
    except EspeakError as exc:
        raise APIConnectionError(str(exc), retryable=False) from exc
    finally:
        abort.set()


class EspeakChunkedStream(tts.ChunkedStream):
    def __init__(self, *, tts: EspeakTTS, input_text: str, conn_options: APIConnectOptions) -> None:
        super().__init__(tts=tts, input_text=input_text, conn_options=conn_options)
        self._opts = tts._opts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        output_emitter.initialize(
            request_id=utils.shortuuid(),
            sample_rate=self._opts.sample_rate,
            num_channels=1,
            mime_type="audio/pcm",
            frame_size_ms=20,
        )
        for sentence in split_complete(self._input_text + "\n")[0]:
            await _speak(self._opts, sentence, output_emitter)
        output_emitter.flush()


class EspeakSynthesizeStream(tts.SynthesizeStream):
    def __init__(self, *, tts: EspeakTTS, conn_options: APIConnectOptions) -> None:
        super().__init__(tts=tts, conn_options=conn_options)
        self._opts = tts._opts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        output_emitter.initialize(
            request_id=utils.shortuuid(),
            sample_rate=self._opts.sample_rate,
            num_channels=1,
            mime_type="audio/pcm",
            frame_size_ms=20,
            stream=True,
        )
        pending = ""
        in_segment = False
        async for item in self._input_ch:
            if isinstance(item, str):
                if not in_segment:
                    output_emitter.start_segment(segment_id=utils.shortuuid())
                    in_segment = True
                pending += item
                sentences, pending = split_complete(pending)
                for sentence in sentences:
                    self._mark_started()
                    await _speak(self._opts, sentence, output_emitter)
            elif in_segment:  # flush: speak what is left and close the segment
                if pending.strip():
                    self._mark_started()
                    await _speak(self._opts, pending.strip(), output_emitter)
                pending = ""
                output_emitter.end_segment()
                in_segment = False
