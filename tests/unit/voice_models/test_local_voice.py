"""The offline voice plugins: espeak-ng TTS and VAD-segmented Whisper / pocketsphinx STT.

Round trip: text → espeak-ng audio (through the livekit-agents TTS API) → local STT → text.
"""

from __future__ import annotations

import asyncio
import re

import numpy as np
import pytest
from livekit import rtc
from livekit.agents import stt as agents_stt
from livekit.agents import utils

from voice_models.local.stt import PocketsphinxSTT, WhisperSTT, to_pcm16k, vad_segmented
from voice_models.local.tts import EspeakTTS, split_complete


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


async def synthesize(tts: EspeakTTS, text: str) -> list[rtc.AudioFrame]:
    frames = []
    async with tts.synthesize(text) as stream:
        async for audio in stream:
            frames.append(audio.frame)
    return frames


def test_split_complete_keeps_the_unfinished_rest() -> None:
    assert split_complete("Hello there. How are") == (["Hello there."], "How are")
    assert split_complete("It costs 3.5 dollars. Ok") == (["It costs 3.5 dollars."], "Ok")
    assert split_complete("Yes! Really? ") == (["Yes!", "Really?"], "")
    assert split_complete("no end") == ([], "no end")


@pytest.mark.parametrize("rate", [16000, 24000])
async def test_espeak_produces_pcm_at_the_requested_rate(rate: int) -> None:
    tts = EspeakTTS(sample_rate=rate)
    frames = await synthesize(tts, "Thank you for calling. Goodbye.")
    assert frames
    assert {f.sample_rate for f in frames} == {rate}
    assert {f.num_channels for f in frames} == {1}
    duration = sum(f.samples_per_channel for f in frames) / rate
    assert 1.0 < duration < 6.0
    samples = np.concatenate([np.frombuffer(f.data, np.int16) for f in frames])
    assert np.abs(samples).max() > 1000  # not silence


async def test_espeak_stream_speaks_each_sentence_as_soon_as_it_is_complete() -> None:
    tts = EspeakTTS(sample_rate=24000)
    stream = tts.stream()
    stream.push_text("Hello, this is the first sentence. ")
    first = await asyncio.wait_for(stream.__anext__(), timeout=20)  # before any flush
    assert first.frame.sample_rate == 24000
    stream.push_text("And here is the second one")
    stream.end_input()
    rest = [ev async for ev in stream]
    await stream.aclose()
    total = first.frame.duration + sum(ev.frame.duration for ev in rest)
    assert total > 2.0
    assert rest[-1].is_final


async def test_espeak_stream_closes_quickly_mid_sentence() -> None:
    tts = EspeakTTS()
    stream = tts.stream()
    stream.push_text("This is a rather long sentence that will take several seconds to say. " * 5)
    await stream.__anext__()
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await stream.aclose()
    assert loop.time() - t0 < 0.5


async def test_whisper_transcribes_espeak_back() -> None:
    tts = EspeakTTS(sample_rate=24000, rate_wpm=140)
    recognizer = WhisperSTT(language="en")
    for text in ("I would like to check my balance.", "Please transfer me to sales."):
        frames = await synthesize(tts, text)
        event = await recognizer.recognize(frames)
        assert event.type == agents_stt.SpeechEventType.FINAL_TRANSCRIPT
        heard = words(event.alternatives[0].text)
        expected = words(text)
        overlap = len(set(heard) & set(expected)) / len(set(expected))
        assert overlap >= 0.8, (text, heard)


async def test_pocketsphinx_transcribes_english_words() -> None:
    """The light fallback: it hears words (its accuracy on espeak-ng audio is poor, and its
    result depends on what it heard before: it adapts to the line between utterances)."""
    tts = EspeakTTS(sample_rate=16000, rate_wpm=130)
    recognizer = PocketsphinxSTT()
    frames = await synthesize(tts, "Hello. Yes. Goodbye.")
    event = await recognizer.recognize(frames)
    assert event.type == agents_stt.SpeechEventType.FINAL_TRANSCRIPT
    heard = words(event.alternatives[0].text)
    assert 1 <= len(heard) <= 8, heard
    assert all(word.isalpha() or "'" in word for word in heard), heard


def test_to_pcm16k_resamples_and_downmixes() -> None:
    stereo = rtc.AudioFrame(np.ones(48000 * 2, dtype=np.int16).tobytes(), 48000, 2, 48000)
    out = to_pcm16k(stereo)
    assert abs(len(out) - 16000) < 200


async def test_vad_segmented_whisper_finds_the_utterance_in_a_stream() -> None:
    from livekit.plugins import silero

    tts = EspeakTTS(sample_rate=16000, rate_wpm=140)
    speech = await synthesize(tts, "I want to talk to an agent.")
    recognizer = vad_segmented(WhisperSTT(), silero.VAD.load())
    stream = recognizer.stream()
    silence = bytes(320 * 2)

    def push_silence(ms: int) -> None:
        for _ in range(ms // 20):
            stream.push_frame(rtc.AudioFrame(silence, 16000, 1, 320))

    push_silence(400)
    for frame in utils.audio.AudioByteStream(16000, 1, samples_per_channel=320).write(
        b"".join(bytes(f.data) for f in speech)
    ):
        stream.push_frame(frame)
    push_silence(1500)
    stream.end_input()
    events = [ev async for ev in stream]
    types = [ev.type for ev in events]
    assert agents_stt.SpeechEventType.START_OF_SPEECH in types
    finals = [ev for ev in events if ev.type == agents_stt.SpeechEventType.FINAL_TRANSCRIPT]
    assert finals
    assert {"talk", "agent"} <= set(words(finals[0].alternatives[0].text))
