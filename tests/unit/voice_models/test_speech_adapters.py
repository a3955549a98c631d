"""The cloud speech adapters against loopback servers speaking the providers' protocols.

``build_stt`` / ``build_tts`` build the real livekit plugins (Deepgram, OpenAI, ElevenLabs)
inside the ``FallbackAdapter`` the calls use; the fakes (``tests/fakes/speech_servers.py``)
answer as the vendors do and record what they were sent. A provider that fails (5xx,
a refused key, a dropped socket) must leave the caller with the local model's speech, never
silence. Every wait is bounded; events are awaited, not slept for.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import numpy as np
import openai
import pytest
from livekit import rtc
from livekit.agents import stt as agents_stt
from livekit.agents import tts as agents_tts
from livekit.agents import utils
from livekit.agents.utils import http_context

from tests.fakes.speech_servers import (
    TONE_HZ,
    Failure,
    FakeDeepgramServer,
    FakeElevenLabsServer,
    FakeOpenAISpeechServer,
)
from voice_models.adapters import (
    END_OF_TURN_SILENCE_S,
    ModelConfig,
    build_stt,
    build_tts,
    endpoints_turns,
)
from voice_models.local.tts import EspeakTTS
from voice_models.provider_http import speech_http_session_close

KEY = "sk-test-key"
SPEECH = "I would like to check my balance."
GREETING = "Hello there."
TWO_SENTENCES = "Hello there. How can I help you with your account today?"
RATE = 24000  # what build_tts's adapter hands the call
TIMEOUT_S = 30.0  # a ceiling that a healthy run never nears, even on a loaded machine
Events = agents_stt.SpeechEventType
T = TypeVar("T")

SpeechServer = FakeDeepgramServer | FakeOpenAISpeechServer | FakeElevenLabsServer
SERVERS: dict[str, type[SpeechServer]] = {
    "deepgram": FakeDeepgramServer,
    "openai": FakeOpenAISpeechServer,
    "elevenlabs": FakeElevenLabsServer,
}
# MP3 (OpenAI's default, ElevenLabs' mp3_22050_32) decodes with the encoder's delay and
# padding on top: tens of milliseconds more than the PCM the server encoded.
DURATION_TOLERANCE_S = {"deepgram": 0.03, "openai": 0.12, "elevenlabs": 0.12}


@pytest.fixture(scope="module")
def vad() -> Any:
    from livekit.plugins import silero

    return silero.VAD.load()


@pytest.fixture(autouse=True)
async def _http_session() -> AsyncIterator[None]:
    """The plugins' shared aiohttp session, which a worker job provides in production."""
    async with http_context.open():
        yield
    await speech_http_session_close()  # the egress-pinned session the plugins were given


async def bounded(awaitable: Awaitable[T]) -> T:
    return await asyncio.wait_for(awaitable, TIMEOUT_S)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def base_url(server: SpeechServer, kind: str) -> str:
    """What an admin enters as ``base_url``: the API root the connection test takes for
    Deepgram and ElevenLabs (the adapters add the plugins' paths), OpenAI's ``/v1`` root."""
    if isinstance(server, FakeOpenAISpeechServer):
        return server.api_url
    return server.url


def config(provider: str, kind: str, server: SpeechServer, **fields: str) -> ModelConfig:
    values = {"api_key": KEY, "base_url": base_url(server, kind)} | fields
    return ModelConfig(name=f"{provider} {kind}", kind=kind, provider=provider, **values)


async def close(model: agents_stt.STT | agents_tts.TTS) -> None:
    """The adapter and what it wraps (FallbackAdapter.aclose leaves its instances open)."""
    await model.aclose()
    inner: list[Any] = [
        *getattr(model, "_tts_instances", []),
        *getattr(model, "_stt_instances", []),
    ]
    if isinstance(model, agents_stt.StreamAdapter):
        inner.append(model.wrapped_stt)
    for instance in inner:
        await close(instance)
    # openai.STT.aclose leaves its SDK client (and its sockets) open.
    client = getattr(model, "_client", None)
    if isinstance(client, openai.AsyncClient):
        await client.close()


# --- audio helpers ----------------------------------------------------------------------


async def espeak_frames(text: str, rate: int) -> list[rtc.AudioFrame]:
    """Speech cut in 10 ms frames, as a call's audio track delivers it."""
    async with EspeakTTS(sample_rate=rate, rate_wpm=140).synthesize(text) as stream:
        pcm = b"".join([bytes(audio.frame.data) async for audio in stream])
    return utils.audio.AudioByteStream(rate, 1, samples_per_channel=rate // 100).write(pcm)


def silence(ms: int, rate: int) -> list[rtc.AudioFrame]:
    per_frame = rate // 100
    return [rtc.AudioFrame(bytes(per_frame * 2), rate, 1, per_frame) for _ in range(ms // 10)]


def seconds(frames: list[rtc.AudioFrame]) -> float:
    return sum(frame.duration for frame in frames)


def samples(frames: list[rtc.AudioFrame]) -> np.ndarray:
    return np.concatenate([np.frombuffer(frame.data, np.int16) for frame in frames])


def tone_share(frames: list[rtc.AudioFrame]) -> float:
    """How much of the audio's energy lies within 10 Hz of the fakes' tone: nearly all of a
    fake provider's audio, next to none of espeak-ng's speech."""
    signal = samples(frames).astype(np.float64)
    power = np.abs(np.fft.rfft(signal * np.hanning(len(signal)))) ** 2
    hz = np.fft.rfftfreq(len(signal), 1 / frames[0].sample_rate)
    return float(power[np.abs(hz - TONE_HZ) <= 10].sum() / power.sum())


async def synthesize(tts: agents_tts.TTS, text: str) -> list[rtc.AudioFrame]:
    async def run() -> list[rtc.AudioFrame]:
        async with tts.synthesize(text) as stream:
            return [audio.frame async for audio in stream]

    return await bounded(run())


async def synthesize_streamed(tts: agents_tts.TTS, text: str) -> list[rtc.AudioFrame]:
    """Text pushed as an LLM streams it (a few words at a time), then the end of input."""

    async def run() -> list[rtc.AudioFrame]:
        stream = tts.stream()
        try:
            for piece in re.findall(r"\S+\s*", text):
                stream.push_text(piece)
            stream.end_input()
            return [audio.frame async for audio in stream]
        finally:
            await stream.aclose()

    return await bounded(run())


def assert_provider_audio(frames: list[rtc.AudioFrame], sent_s: float, tolerance_s: float) -> None:
    """The caller got the server's tone, resampled to the call's rate, all of it."""
    assert frames, "no audio"
    assert {(frame.sample_rate, frame.num_channels) for frame in frames} == {(RATE, 1)}
    assert sent_s > 0.3
    assert abs(seconds(frames) - sent_s) <= tolerance_s, (seconds(frames), sent_s)
    assert tone_share(frames) > 0.9


async def assert_espeak_audio(frames: list[rtc.AudioFrame], text: str) -> None:
    """The caller got espeak-ng's speech of ``text``, not silence and not the provider's."""
    assert frames, "the caller got silence"
    assert {frame.sample_rate for frame in frames} == {RATE}
    reference = await synthesize(EspeakTTS(sample_rate=RATE), text)
    assert abs(seconds(frames) - seconds(reference)) < 0.05, (seconds(frames), seconds(reference))
    assert np.abs(samples(frames)).max() > 1000
    assert tone_share(frames) < 0.05


async def events_until(
    stream: agents_stt.RecognizeStream, last: agents_stt.SpeechEventType
) -> list[agents_stt.SpeechEvent]:
    """The stream's speech events up to and including the first ``last`` (usage reports
    left out)."""

    async def run() -> list[agents_stt.SpeechEvent]:
        events = []
        async for event in stream:
            if event.type == Events.RECOGNITION_USAGE:
                continue
            events.append(event)
            if event.type == last:
                return events
        raise AssertionError(f"the stream ended before {last}: {[e.type for e in events]}")

    return await bounded(run())


# --- speech recognition -----------------------------------------------------------------


async def test_deepgram_streams_the_call_and_its_endpointing_ends_the_turn(vad: Any) -> None:
    async with FakeDeepgramServer([SPEECH], api_key=KEY) as server:
        asr = config("deepgram", "asr", server)
        assert endpoints_turns(asr)
        recognizer = build_stt(asr, vad=vad)
        speech = await espeak_frames(SPEECH, 48000)
        pushed = silence(300, 48000) + speech + silence(1000, 48000)
        stream = recognizer.stream()
        try:
            for frame in pushed:
                stream.push_frame(frame)
            events = await events_until(stream, Events.END_OF_SPEECH)
            stream.end_input()
            record = server.last("/v1/listen")
            await bounded(record.done.wait())  # the server closed after CloseStream
        finally:
            await stream.aclose()
            await close(recognizer)

    assert [event.type for event in events] == [
        Events.START_OF_SPEECH,
        Events.INTERIM_TRANSCRIPT,
        Events.FINAL_TRANSCRIPT,
        Events.END_OF_SPEECH,
    ]
    interim, final = events[1].alternatives[0], events[2].alternatives[0]
    assert SPEECH.startswith(interim.text)
    assert interim.text != SPEECH
    assert final.text == SPEECH
    assert final.confidence == pytest.approx(0.98)
    assert [str(word) for word in final.words or []] == SPEECH.split()
    # The transcript is placed where the speech was in the audio sent: after 300 ms of silence.
    assert final.start_time == pytest.approx(0.3, abs=0.1)
    assert final.end_time - final.start_time == pytest.approx(seconds(speech), abs=0.3)

    assert record.headers["Authorization"] == f"Token {KEY}"
    assert record.query["endpointing"] == str(round(END_OF_TURN_SILENCE_S * 1000))
    assert (
        record.query.items()
        >= {
            "model": "nova-3",
            "language": "en",
            "encoding": "linear16",
            "sample_rate": "16000",
            "channels": "1",
            "interim_results": "true",
            "vad_events": "true",
        }.items()
    )
    # All the call's audio arrived, resampled from 48 kHz to the 16 kHz asked for.
    assert len(record.audio_in) / (16000 * 2) == pytest.approx(seconds(pushed), abs=0.05)
    # end_input through the FallbackAdapter flushes twice: one Finalize each, then the close.
    control = [kind for kind in record.message_types() if kind != "KeepAlive"]
    assert control[-1] == "CloseStream"
    assert set(control[:-1]) == {"Finalize"}
    assert record.replies[-1]["type"] == "Metadata"


async def test_deepgram_transcribes_a_recorded_utterance(vad: Any) -> None:
    async with FakeDeepgramServer([SPEECH], api_key=KEY) as server:
        recognizer = build_stt(config("deepgram", "asr", server), vad=vad)
        frames = await espeak_frames(SPEECH, 16000)
        try:
            event = await bounded(recognizer.recognize(frames))
        finally:
            await close(recognizer)

    assert event.alternatives[0].text == SPEECH
    record = server.last("/v1/listen")
    assert record.method == "POST"
    assert record.headers["Authorization"] == f"Token {KEY}"
    assert record.query.items() >= {"model": "nova-3", "language": "en"}.items()
    rate, channels, duration = record.files["body"].wav()
    assert (rate, channels) == (16000, 1)
    assert duration == pytest.approx(seconds(frames), abs=0.01)


@pytest.mark.parametrize(
    ("fail", "server_key"),
    [
        pytest.param(Failure(status=500), KEY, id="http-500"),
        pytest.param(Failure(close_socket=True), KEY, id="socket-dropped"),
        pytest.param(None, "another-key", id="key-refused"),
    ],
)
async def test_deepgram_failing_hands_the_call_to_local_whisper(
    vad: Any, fail: Failure | None, server_key: str
) -> None:
    async with FakeDeepgramServer([SPEECH], api_key=server_key, fail=fail) as server:
        recognizer = build_stt(config("deepgram", "asr", server), vad=vad)
        unavailable: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def on_availability(event: Any) -> None:
            if not unavailable.done():
                unavailable.set_result(event)

        recognizer.on("stt_availability_changed", on_availability)
        speech = await espeak_frames(SPEECH, 16000)
        stream = recognizer.stream()
        try:
            # Audio sent before the switch is lost with the failed provider: speak after it.
            changed = await bounded(unavailable)
            for frame in silence(400, 16000) + speech + silence(1500, 16000):
                stream.push_frame(frame)
            stream.end_input()
            events = await events_until(stream, Events.FINAL_TRANSCRIPT)
        finally:
            await stream.aclose()
            await close(recognizer)

    assert not changed.available
    assert changed.stt.provider == "Deepgram"
    heard = words(events[-1].alternatives[0].text)
    assert len(set(heard) & set(words(SPEECH))) >= 0.8 * len(set(words(SPEECH))), heard
    assert server.requests, "Deepgram was never tried"
    statuses = {record.status for record in server.requests}
    assert statuses == ({101} if fail and fail.close_socket else {500 if fail else 401})


@pytest.mark.parametrize("provider", ["openai", "openai_compatible"])
async def test_openai_transcribes_the_uploaded_utterance(vad: Any, provider: str) -> None:
    async with FakeOpenAISpeechServer([SPEECH]) as server:
        recognizer = build_stt(config(provider, "asr", server), vad=vad)
        frames = await espeak_frames(SPEECH, 16000)
        try:
            event = await bounded(recognizer.recognize(frames))
        finally:
            await close(recognizer)

    assert event.type == Events.FINAL_TRANSCRIPT
    assert event.alternatives[0].text == SPEECH
    record = server.last("/v1/audio/transcriptions")
    assert record.headers["Authorization"] == f"Bearer {KEY}"
    assert record.form == {
        "model": "gpt-4o-mini-transcribe",
        "language": "en",
        "response_format": "json",
    }
    upload = record.files["file"]
    assert upload.content_type == "audio/wav"
    rate, channels, duration = upload.wav()
    assert (rate, channels) == (16000, 1)
    assert duration == pytest.approx(seconds(frames), abs=0.01)


async def test_openai_transcription_failing_falls_back_to_local_whisper(vad: Any) -> None:
    async with FakeOpenAISpeechServer([SPEECH], fail=Failure(status=500)) as server:
        recognizer = build_stt(config("openai", "asr", server), vad=vad)
        frames = await espeak_frames(SPEECH, 16000)
        try:
            event = await bounded(recognizer.recognize(frames))
        finally:
            await close(recognizer)

    heard = words(event.alternatives[0].text)
    assert len(set(heard) & set(words(SPEECH))) >= 0.8 * len(set(words(SPEECH))), heard
    assert server.requests
    assert {record.status for record in server.requests} == {500}


async def test_elevenlabs_scribe_transcribes_the_uploaded_utterance(vad: Any) -> None:
    async with FakeElevenLabsServer([SPEECH], api_key=KEY) as server:
        recognizer = build_stt(config("elevenlabs", "asr", server, language="fr-CA"), vad=vad)
        frames = await espeak_frames(SPEECH, 16000)
        try:
            event = await bounded(recognizer.recognize(frames))
        finally:
            await close(recognizer)

    assert event.alternatives[0].text == SPEECH
    # Scribe's word list has the spaces between words too, and the plugin keeps them.
    spoken = [str(word) for word in event.alternatives[0].words or [] if str(word).strip()]
    assert spoken == SPEECH.split()
    record = server.last("/v1/speech-to-text")
    assert record.headers["xi-api-key"] == KEY
    assert record.form["model_id"] == "scribe_v1"
    assert record.form["language_code"] == "fr"  # the number's language, as Scribe names it
    rate, channels, duration = record.files["file"].wav()
    assert (rate, channels) == (16000, 1)
    assert duration == pytest.approx(seconds(frames), abs=0.01)


# --- speech synthesis -------------------------------------------------------------------


async def test_deepgram_synthesis_over_rest() -> None:
    async with FakeDeepgramServer(api_key=KEY) as server:
        tts = build_tts(config("deepgram", "tts", server, voice="aura-2-thalia-en"))
        try:
            frames = await synthesize(tts, GREETING)
        finally:
            await close(tts)

    record = server.last("/v1/speak")
    assert record.method == "POST"
    assert record.headers["Authorization"] == f"Token {KEY}"
    assert record.json == {"text": GREETING}
    assert (
        record.query.items()
        >= {
            "model": "aura-2-thalia-en",
            "encoding": "linear16",
            "sample_rate": str(RATE),
            "container": "none",
        }.items()
    )
    assert_provider_audio(frames, record.audio_out_s, DURATION_TOLERANCE_S["deepgram"])


async def test_deepgram_streamed_synthesis_over_its_websocket() -> None:
    async with FakeDeepgramServer(api_key=KEY) as server:
        tts = build_tts(config("deepgram", "tts", server, voice="aura-2-thalia-en"))
        try:
            frames = await synthesize_streamed(tts, TWO_SENTENCES)
        finally:
            await close(tts)

    record = server.last("/v1/speak")
    assert record.method == "GET"  # the websocket
    assert record.headers["Authorization"] == f"Token {KEY}"
    assert record.query["model"] == "aura-2-thalia-en"
    assert record.query["sample_rate"] == str(RATE)
    spoken = "".join(m["text"] for m in record.messages if m.get("type") == "Speak")
    assert spoken.split() == TWO_SENTENCES.split()
    assert "Flush" in record.message_types()
    assert record.text == TWO_SENTENCES
    assert_provider_audio(frames, record.audio_out_s, DURATION_TOLERANCE_S["deepgram"])


async def test_openai_synthesis_streams_sse_audio() -> None:
    async with FakeOpenAISpeechServer(api_key=KEY) as server:
        tts = build_tts(config("openai", "tts", server, voice="nova"))
        try:
            frames = await synthesize(tts, GREETING)
        finally:
            await close(tts)

    record = server.last("/v1/audio/speech")
    assert record.headers["Authorization"] == f"Bearer {KEY}"
    assert record.json == {
        "input": GREETING,
        "model": "gpt-4o-mini-tts",
        "voice": "nova",
        "response_format": "mp3",
        "stream_format": "sse",
        "speed": 1.0,
    }
    assert_provider_audio(frames, record.audio_out_s, DURATION_TOLERANCE_S["openai"])


async def test_openai_streamed_synthesis_asks_sentence_by_sentence() -> None:
    async with FakeOpenAISpeechServer(api_key=KEY) as server:
        tts = build_tts(config("openai", "tts", server, voice="nova"))
        try:
            frames = await synthesize_streamed(tts, TWO_SENTENCES)
        finally:
            await close(tts)

    speech = [record for record in server.requests if record.path == "/v1/audio/speech"]
    assert " ".join(record.text for record in speech) == TWO_SENTENCES
    assert {record.json["voice"] for record in speech} == {"nova"}
    sent_s = sum(record.audio_out_s for record in speech)
    tolerance = DURATION_TOLERANCE_S["openai"] * len(speech)
    assert_provider_audio(frames, sent_s, tolerance)


async def test_elevenlabs_synthesis_over_the_http_stream() -> None:
    async with FakeElevenLabsServer(api_key=KEY) as server:
        tts = build_tts(
            config("elevenlabs", "tts", server, voice="voice-123", model="eleven_flash_v2_5")
        )
        try:
            frames = await synthesize(tts, GREETING)
        finally:
            await close(tts)

    record = server.last("/v1/text-to-speech/")
    assert record.path == "/v1/text-to-speech/voice-123/stream"
    assert record.headers["xi-api-key"] == KEY
    assert record.query["output_format"] == "mp3_22050_32"
    assert record.json["text"] == GREETING
    assert record.json["model_id"] == "eleven_flash_v2_5"
    # 22.05 kHz from ElevenLabs, resampled to the call's 24 kHz by the adapter.
    assert_provider_audio(frames, record.audio_out_s, DURATION_TOLERANCE_S["elevenlabs"])


async def test_elevenlabs_streamed_synthesis_over_multi_stream_input() -> None:
    async with FakeElevenLabsServer(api_key=KEY) as server:
        tts = build_tts(
            config("elevenlabs", "tts", server, voice="voice-123", model="eleven_flash_v2_5")
        )
        try:
            frames = await synthesize_streamed(tts, TWO_SENTENCES)
        finally:
            await close(tts)

    record = server.last("/v1/text-to-speech/")
    assert record.path == "/v1/text-to-speech/voice-123/multi-stream-input"
    assert record.headers["xi-api-key"] == KEY
    assert (
        record.query.items()
        >= {
            "model_id": "eleven_flash_v2_5",
            "output_format": "mp3_22050_32",
            "auto_mode": "true",
            "sync_alignment": "true",
        }.items()
    )
    context = record.messages[0]["context_id"]
    assert context
    assert {m["context_id"] for m in record.messages} == {context}
    assert record.messages[-1] == {"context_id": context, "close_context": True}
    assert record.text == TWO_SENTENCES
    assert record.replies[-1] == {"isFinal": True, "context_id": context}
    assert_provider_audio(frames, record.audio_out_s, DURATION_TOLERANCE_S["elevenlabs"])


@pytest.mark.parametrize(
    ("provider", "fail", "server_key"),
    [
        pytest.param("deepgram", Failure(status=500), KEY, id="deepgram-500"),
        pytest.param("openai", None, "another-key", id="openai-key-refused"),
        pytest.param("elevenlabs", Failure(status=503), KEY, id="elevenlabs-503"),
    ],
)
async def test_synthesis_failing_speaks_with_espeak(
    provider: str, fail: Failure | None, server_key: str
) -> None:
    async with SERVERS[provider](api_key=server_key, fail=fail) as server:
        tts = build_tts(config(provider, "tts", server, voice="voice-123"))
        try:
            frames = await synthesize(tts, GREETING)
        finally:
            await close(tts)

    await assert_espeak_audio(frames, GREETING)
    assert server.requests, f"{provider} was never tried"
    assert {record.status for record in server.requests} == {fail.status if fail else 401}


@pytest.mark.parametrize(
    ("provider", "fail"),
    [
        pytest.param("deepgram", Failure(close_socket=True), id="deepgram-socket-dropped"),
        pytest.param("elevenlabs", Failure(close_socket=True), id="elevenlabs-socket-dropped"),
        pytest.param("openai", Failure(status=500), id="openai-500"),
    ],
)
async def test_streamed_synthesis_failing_speaks_with_espeak(provider: str, fail: Failure) -> None:
    async with SERVERS[provider](api_key=KEY, fail=fail) as server:
        tts = build_tts(config(provider, "tts", server, voice="voice-123"))
        try:
            frames = await synthesize_streamed(tts, TWO_SENTENCES)
        finally:
            await close(tts)

    await assert_espeak_audio(frames, TWO_SENTENCES)
    assert server.requests, f"{provider} was never tried"


# --- base URLs and keys as admins enter them ------------------------------------------


@pytest.mark.parametrize("provider", ["deepgram", "elevenlabs"])
async def test_a_whole_endpoint_pasted_as_base_url_still_reaches_synthesis(provider: str) -> None:
    async with SERVERS[provider](api_key=KEY) as server:
        pasted = server.speak_url if isinstance(server, FakeDeepgramServer) else server.api_url
        tts = build_tts(config(provider, "tts", server, base_url=pasted))
        try:
            frames = await synthesize(tts, GREETING)
        finally:
            await close(tts)

    assert server.requests, f"no speech endpoint reached; requested {server.unmatched}"
    assert_provider_audio(frames, server.requests[-1].audio_out_s, 0.12)


@pytest.mark.parametrize("kind", ["asr", "tts"])
async def test_a_keyless_openai_compatible_server_is_used(vad: Any, kind: str) -> None:
    async with FakeOpenAISpeechServer([SPEECH]) as server:
        keyless = config("openai_compatible", kind, server, api_key="")
        if kind == "asr":
            recognizer = build_stt(keyless, vad=vad)
            try:
                event = await bounded(recognizer.recognize(await espeak_frames(SPEECH, 16000)))
            finally:
                await close(recognizer)
            assert event.alternatives[0].text == SPEECH
        else:
            tts = build_tts(keyless)
            try:
                frames = await synthesize(tts, GREETING)
            finally:
                await close(tts)
            assert_provider_audio(frames, server.requests[-1].audio_out_s, 0.12)


@pytest.mark.parametrize("provider", ["deepgram", "openai", "elevenlabs"])
@pytest.mark.parametrize("streamed", [False, True], ids=["rest", "streamed"])
async def test_a_speech_provider_on_loopback_is_refused_without_the_opt_in(
    provider: str, streamed: bool, settings: Any
) -> None:
    """The plugins connect through betool's egress policy: a base URL on this machine is
    refused unless the operator opted in, and the caller hears the local voice instead."""
    settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK = False
    async with SERVERS[provider](api_key=KEY) as server:
        tts = build_tts(config(provider, "tts", server, voice="voice-123"))
        try:
            frames = await (synthesize_streamed if streamed else synthesize)(tts, GREETING)
        finally:
            await close(tts)

    await assert_espeak_audio(frames, GREETING)
    assert server.requests == [], f"{provider} was reached on loopback"


@pytest.mark.parametrize("provider", ["deepgram", "openai", "elevenlabs"])
async def test_a_speech_recognizer_on_loopback_is_refused_without_the_opt_in(
    provider: str, vad: Any, settings: Any
) -> None:
    settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK = False
    async with SERVERS[provider](api_key=KEY) as server:
        stt = build_stt(config(provider, "asr", server), vad=vad)
        primary = stt._stt_instances[0] if isinstance(stt, agents_stt.FallbackAdapter) else stt
        try:
            frames = await espeak_frames(SPEECH, 16000)
            with pytest.raises(Exception):  # noqa: B017 - each plugin wraps the refusal its own way
                await bounded(primary.recognize(utils.merge_frames(frames)))
        finally:
            await close(stt)
    assert server.requests == []
