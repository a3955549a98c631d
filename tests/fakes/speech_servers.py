"""Loopback servers speaking the speech APIs of Deepgram, OpenAI and ElevenLabs.

The livekit-agents plugins that ``voice_models.adapters`` builds are pointed at them, so
tests drive the real plugin code over real HTTP and websockets. Each fake speaks as much of
its vendor's wire protocol as those plugins use:

* :class:`FakeDeepgramServer`:
  ``/v1/listen`` (websocket): live transcription of linear16 audio. An energy detector
  finds speech in the audio received; the replies are Deepgram's JSON messages:
  ``SpeechStarted`` (with ``vad_events``), interim then final ``Results`` (``is_final``,
  ``speech_final`` once ``endpointing`` ms of silence followed the speech, ``from_finalize``
  after a ``Finalize``), ``UtteranceEnd`` (with ``utterance_end_ms``) and ``Metadata`` at
  ``CloseStream``, after which it closes the socket; ``KeepAlive`` is recorded and ignored.
  What each utterance "said" is scripted (``transcripts``, replayed on every connection);
  a POST of a WAV file to ``/v1/listen`` (pre-recorded) answers the first one.
  ``/v1/speak``: POST answers raw linear16 (``container=none``); the websocket takes
  ``Speak`` / ``Flush`` / ``Clear`` / ``Close`` and answers binary audio then ``Flushed``.
* :class:`FakeOpenAISpeechServer`: ``/v1/audio/transcriptions`` (multipart upload, answers
  ``json``, ``verbose_json`` or ``text``) and ``/v1/audio/speech`` (``response_format``
  pcm, wav or mp3; ``stream_format=sse`` answers ``speech.audio.delta`` /
  ``speech.audio.done`` events, otherwise the audio bytes).
* :class:`FakeElevenLabsServer`: ``/v1/text-to-speech/{voice}/stream`` (POST),
  ``/v1/text-to-speech/{voice}/multi-stream-input`` (websocket: contexts opened by their
  first message, audio generated at each ``flush`` and at ``close_context``, which ends
  with ``isFinal``; base64 ``audio`` with character alignment) and ``/v1/speech-to-text``
  (multipart, Scribe's JSON with words).

Synthesised "speech" is a 2 kHz tone, ``SECONDS_PER_CHAR`` per character of text, encoded
as the client asked (mp3 through PyAV's libmp3lame), so a test can tell the provider's audio
from espeak-ng's and check its duration. Every request is recorded as a :class:`Recorded`
(path, query, headers, presented key, body or form, uploads, websocket messages, audio in
and out). Setting ``server.fail`` to a :class:`Failure` makes every request fail (an HTTP
status, a refused websocket handshake, or a socket closed at the client's first message);
``api_key`` makes the server refuse other keys with 401, as the vendors do.
"""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import json
import math
import re
import uuid
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import av
import numpy as np
from aiohttp import WSCloseCode, WSMsgType, web
from multidict import CIMultiDict

# Far from where espeak-ng's voice has its energy, so the two are told apart by spectrum.
TONE_HZ = 2000.0
SECONDS_PER_CHAR = 0.04
# A 10 ms window of linear16 louder than this (RMS) is speech to the fake Deepgram.
SPEECH_RMS = 300.0
# Audio goes out in pieces of this many bytes, so clients see a stream, not one blob.
CHUNK_BYTES = 4800


def tone(seconds: float, sample_rate: int, freq: float = TONE_HZ) -> bytes:
    """Mono linear16 of a sine: the fakes' synthetic speech."""
    samples = np.arange(round(seconds * sample_rate)) / sample_rate
    return (np.sin(2 * np.pi * freq * samples) * 8000).astype("<i2").tobytes()


def speech_seconds(text: str) -> float:
    return len(text.strip()) * SECONDS_PER_CHAR


class _Mp3Encoder:
    """One continuous MP3 elementary stream (no container, no Xing header), so pieces sent
    at each flush decode back to back as one stream does."""

    def __init__(self, sample_rate: int, kbps: int) -> None:
        self._rate = sample_rate
        self._ctx: Any = av.CodecContext.create("libmp3lame", "w")
        self._ctx.sample_rate = sample_rate
        self._ctx.layout = "mono"
        self._ctx.format = "s16p"
        self._ctx.bit_rate = kbps * 1000

    def encode(self, pcm: bytes) -> bytes:
        if not pcm:
            return b""
        frame = av.AudioFrame.from_ndarray(
            np.frombuffer(pcm, "<i2").reshape(1, -1), format="s16p", layout="mono"
        )
        frame.sample_rate = self._rate
        return b"".join(bytes(packet) for packet in self._ctx.encode(frame))

    def flush(self) -> bytes:
        return b"".join(bytes(packet) for packet in self._ctx.encode(None))


class _Encoder:
    """linear16 in, the requested format out: ``pcm``, ``wav`` or ``mp3``."""

    def __init__(self, fmt: str, sample_rate: int, kbps: int = 64) -> None:
        if fmt not in ("pcm", "wav", "mp3"):
            raise ValueError(f"the fake does not encode {fmt}")
        self.fmt = fmt
        self.sample_rate = sample_rate
        self._mp3 = _Mp3Encoder(sample_rate, kbps) if fmt == "mp3" else None
        self._header_sent = False

    @property
    def content_type(self) -> str:
        return {"pcm": "audio/pcm", "wav": "audio/wav", "mp3": "audio/mpeg"}[self.fmt]

    def encode(self, pcm: bytes) -> bytes:
        if self._mp3 is not None:
            return self._mp3.encode(pcm)
        if self.fmt == "wav" and not self._header_sent:
            self._header_sent = True
            return _wav_header(self.sample_rate) + pcm
        return pcm

    def flush(self) -> bytes:
        return self._mp3.flush() if self._mp3 is not None else b""


def _wav_header(sample_rate: int) -> bytes:
    """A streaming WAV header: the sizes are unknown up front, as in streamed responses."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
    header = bytearray(buffer.getvalue())
    header[4:8] = (0xFFFFFFFF).to_bytes(4, "little")
    header[40:44] = (0xFFFFFFFF).to_bytes(4, "little")
    return bytes(header)


def _chunks(data: bytes, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@dataclass
class Failure:
    """How a fake fails every request while ``server.fail`` holds it."""

    # Answer HTTP requests, and refuse websocket handshakes, with this status.
    status: int = 0
    # Accept the websocket, then close it (1011) at the client's first message: a provider
    # that drops the connection mid-request.
    close_socket: bool = False
    message: str = "scripted failure"


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes

    def wav(self) -> tuple[int, int, float]:
        """(sample rate, channels, seconds) of an uploaded WAV file."""
        with wave.open(io.BytesIO(self.data)) as audio:
            rate = audio.getframerate()
            return rate, audio.getnchannels(), audio.getnframes() / rate


@dataclass
class Recorded:
    """One HTTP request or websocket connection, as the fake received and answered it."""

    method: str
    path: str
    query: dict[str, str]
    headers: CIMultiDict[str]
    # The key presented, out of the vendor's scheme ("Token …", "Bearer …", xi-api-key).
    api_key: str
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)
    # JSON messages the client sent on a websocket, in order.
    messages: list[Any] = field(default_factory=list)
    audio_in: bytearray = field(default_factory=bytearray)
    # The pieces of text synthesised, one per generation (request, flush or context end).
    texts: list[str] = field(default_factory=list)
    # Seconds of audio sent back (before encoding).
    audio_out_s: float = 0.0
    # JSON replies sent on a websocket, in order.
    replies: list[Any] = field(default_factory=list)
    status: int = 200
    # Set once the exchange is over: the response written or the socket closed.
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())

    def message_types(self) -> list[str]:
        return [m.get("type", "") for m in self.messages if isinstance(m, dict)]


class _SpeechServer:
    """Lifecycle, recording, key checks and scripted failures shared by the fakes."""

    def __init__(
        self,
        transcripts: list[str] | None = None,
        *,
        api_key: str | None = None,
        fail: Failure | None = None,
    ) -> None:
        # What the speaker said, one per utterance or request, in order; the last repeats.
        self.transcripts = list(transcripts or ["Hello."])
        self.api_key = api_key
        self.fail = fail
        self.requests: list[Recorded] = []
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        # Paths that matched no endpoint (a client pointed at the wrong base URL).
        self.unmatched: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The versioned root, ``{url}/v1``."""
        return f"{self.url}/v1"

    def last(self, path_prefix: str = "") -> Recorded:
        """The latest request whose path starts with ``path_prefix``."""
        for record in reversed(self.requests):
            if record.path.startswith(path_prefix):
                return record
        raise AssertionError(f"no request to {path_prefix or 'the server'}: {self.paths()}")

    def paths(self) -> list[str]:
        return [record.path for record in self.requests]

    async def __aenter__(self) -> Self:
        app = web.Application(middlewares=[self._note_unmatched])
        self._routes(app.router)
        self._runner = web.AppRunner(app, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # An open websocket would hold the runner's shutdown for its whole timeout.
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY)
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _note_unmatched(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPNotFound:
            self.unmatched.append(request.path)
            raise
        return response

    def _routes(self, router: web.UrlDispatcher) -> None:
        raise NotImplementedError

    def _presented_key(self, request: web.Request) -> str:
        raise NotImplementedError

    def _error(self, status: int, message: str) -> web.Response:
        raise NotImplementedError

    def _record(self, request: web.Request) -> Recorded:
        record = Recorded(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=CIMultiDict(request.headers),
            api_key=self._presented_key(request),
        )
        self.requests.append(record)
        return record

    def _refusal(self, record: Recorded) -> web.Response | None:
        """The error to answer instead, when scripted to fail or the key is wrong."""
        if self.fail is not None and self.fail.status:
            record.status = self.fail.status
            record.done.set()
            return self._error(self.fail.status, self.fail.message)
        if self.api_key is not None and record.api_key != self.api_key:
            record.status = 401
            record.done.set()
            return self._error(401, "Invalid API key")
        return None

    async def _accept(self, request: web.Request, record: Recorded) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        record.status = 101
        self._sockets.add(ws)
        return ws

    async def _drop_if_scripted(self, ws: web.WebSocketResponse, record: Recorded) -> bool:
        """Close the socket at the client's first message when scripted to; True if so."""
        if self.fail is None or not self.fail.close_socket:
            return False
        first = await ws.receive()
        if first.type == WSMsgType.TEXT:
            record.messages.append(json.loads(first.data))
        await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=self.fail.message.encode())
        return True

    def _finish_socket(self, ws: web.WebSocketResponse, record: Recorded) -> None:
        self._sockets.discard(ws)
        record.done.set()

    @staticmethod
    async def _send_json(ws: web.WebSocketResponse, record: Recorded, reply: Any) -> None:
        record.replies.append(reply)
        await ws.send_str(json.dumps(reply))

    async def _stream(
        self,
        request: web.Request,
        record: Recorded,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": content_type} | (headers or {}))
        await response.prepare(request)
        for piece in _chunks(body):
            await response.write(piece)
        await response.write_eof()
        record.done.set()
        return response

    @staticmethod
    async def _read_form(request: web.Request, record: Recorded) -> None:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                record.files[name] = Upload(value.filename, value.content_type, value.file.read())
            else:
                record.form[name] = str(value)


# --- Deepgram ---------------------------------------------------------------------------


def _deepgram_words(text: str, start: float, end: float) -> list[dict[str, Any]]:
    tokens = text.split()
    step = (end - start) / max(len(tokens), 1)
    return [
        {
            "word": re.sub(r"[^\w']", "", token).lower(),
            "start": round(start + i * step, 3),
            "end": round(start + (i + 1) * step, 3),
            "confidence": 0.98,
            "punctuated_word": token,
        }
        for i, token in enumerate(tokens)
    ]


class _Listener:
    """One live-transcription connection: speech found by energy in 10 ms windows of the
    linear16 received, its end by ``endpointing`` ms of silence, as Deepgram's are."""

    def __init__(self, query: dict[str, str], transcripts: list[str], request_id: str) -> None:
        self.sample_rate = int(query.get("sample_rate", "16000"))
        self.channels = int(query.get("channels", "1"))
        endpointing = query.get("endpointing", "10")
        self.endpointing_s = None if endpointing == "false" else int(endpointing) / 1000
        self.interim = query.get("interim_results") == "true"
        self.vad_events = query.get("vad_events") == "true"
        utterance_end = query.get("utterance_end_ms")
        self.utterance_end_s = int(utterance_end) / 1000 if utterance_end else None
        self.model = query.get("model", "nova-3")
        self.request_id = request_id
        self._transcripts = transcripts or ["Hello."]
        self._window_s = 0.01
        self._window_bytes = round(self.sample_rate * self._window_s) * 2 * self.channels
        self._pending = bytearray()
        self.audio_s = 0.0
        self._speech_start: float | None = None
        self._voice_end = 0.0
        self._interim_sent = False
        self._utterances = 0
        self._awaiting_utterance_end = False

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._pending.extend(data)
        replies: list[dict[str, Any]] = []
        while len(self._pending) >= self._window_bytes:
            window = np.frombuffer(bytes(self._pending[: self._window_bytes]), "<i2")
            del self._pending[: self._window_bytes]
            start, self.audio_s = self.audio_s, self.audio_s + self._window_s
            rms = math.sqrt(float(np.mean(window.astype(np.float64) ** 2)))
            if rms > SPEECH_RMS:
                replies.extend(self._voiced(start))
            else:
                replies.extend(self._silent())
        return replies

    def _voiced(self, start: float) -> Iterator[dict[str, Any]]:
        if self._speech_start is None:
            self._speech_start = start
            self._interim_sent = False
            self._awaiting_utterance_end = False
            if self.vad_events:
                yield {"type": "SpeechStarted", "channel": [0], "timestamp": round(start, 3)}
        self._voice_end = self.audio_s
        if self.interim and not self._interim_sent and start - self._speech_start >= 0.3:
            self._interim_sent = True
            words = self._transcript().split()
            partial = " ".join(words[: max(1, len(words) // 2)])
            yield self._results(partial, is_final=False, speech_final=False)

    def _silent(self) -> Iterator[dict[str, Any]]:
        silence = self.audio_s - self._voice_end
        if (
            self._speech_start is not None
            and self.endpointing_s is not None
            and silence >= self.endpointing_s
        ):
            yield self._final(speech_final=True)
        if (
            self._awaiting_utterance_end
            and self.utterance_end_s is not None
            and silence >= self.utterance_end_s
        ):
            self._awaiting_utterance_end = False
            yield {"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": self._voice_end}

    def finalize(self) -> dict[str, Any]:
        """Deepgram's answer to ``Finalize`` (and to ``CloseStream``): what it has heard."""
        if self._speech_start is None:
            return self._results("", is_final=True, speech_final=False, from_finalize=True)
        return self._final(speech_final=False, from_finalize=True)

    def metadata(self) -> dict[str, Any]:
        return {
            "type": "Metadata",
            "transaction_key": "deprecated",
            "request_id": self.request_id,
            "sha256": "0" * 64,
            "created": "2025-01-01T00:00:00.000Z",
            "duration": round(self.audio_s, 3),
            "channels": self.channels,
            "models": [str(uuid.uuid5(uuid.NAMESPACE_URL, self.model))],
            "model_info": {},
        }

    def _transcript(self) -> str:
        return self._transcripts[min(self._utterances, len(self._transcripts) - 1)]

    def _final(self, *, speech_final: bool, from_finalize: bool = False) -> dict[str, Any]:
        reply = self._results(
            self._transcript(),
            is_final=True,
            speech_final=speech_final,
            from_finalize=from_finalize,
        )
        self._utterances += 1
        self._speech_start = None
        self._awaiting_utterance_end = True
        return reply

    def _results(
        self, text: str, *, is_final: bool, speech_final: bool, from_finalize: bool = False
    ) -> dict[str, Any]:
        start = self._speech_start if self._speech_start is not None else self.audio_s
        end = self._voice_end if self._speech_start is not None else self.audio_s
        alternative = {
            "transcript": text,
            "confidence": 0.98 if text else 0.0,
            "words": _deepgram_words(text, start, end),
        }
        return {
            "type": "Results",
            "channel_index": [0, 1],
            "duration": round(self.audio_s - start, 3),
            "start": round(start, 3),
            "is_final": is_final,
            "speech_final": speech_final,
            "from_finalize": from_finalize,
            "channel": {"alternatives": [alternative]},
            "metadata": {
                "request_id": self.request_id,
                "model_info": {"name": self.model, "version": "fake", "arch": "fake"},
                "model_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, self.model)),
            },
        }


class FakeDeepgramServer(_SpeechServer):
    """Deepgram's ``/v1/listen`` (live) and ``/v1/speak`` (REST and websocket).

    Admins enter ``{url}`` (the API root); the adapters hand the plugins the whole endpoint,
    ``{url}/v1/listen`` or ``{url}/v1/speak``, which may also be pasted as is.
    """

    @property
    def listen_url(self) -> str:
        return f"{self.url}/v1/listen"

    @property
    def speak_url(self) -> str:
        return f"{self.url}/v1/speak"

    def _routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/v1/listen", self._listen)
        router.add_post("/v1/listen", self._transcribe)
        router.add_get("/v1/speak", self._speak_socket)
        router.add_post("/v1/speak", self._speak)

    def _presented_key(self, request: web.Request) -> str:
        return request.headers.get("Authorization", "").removeprefix("Token ")

    def _error(self, status: int, message: str) -> web.Response:
        code = {401: "INVALID_AUTH", 400: "Bad Request"}.get(status, "INTERNAL_SERVER_ERROR")
        body = {"err_code": code, "err_msg": message, "request_id": str(uuid.uuid4())}
        return web.json_response(body, status=status, headers={"dg-error": message})

    async def _listen(self, request: web.Request) -> web.StreamResponse:
        record = self._record(request)
        if (refusal := self._refusal(record)) is not None:
            return refusal
        if record.query.get("encoding", "linear16") != "linear16":
            record.status = 400
            record.done.set()
            return self._error(400, "the fake transcribes linear16 only")
        listener = _Listener(record.query, self.transcripts, str(uuid.uuid4()))
        ws = await self._accept(request, record)
        try:
            if await self._drop_if_scripted(ws, record):
                return ws
            async for msg in ws:
                if msg.type == WSMsgType.BINARY:
                    record.audio_in.extend(msg.data)
                    for reply in listener.feed(msg.data):
                        await self._send_json(ws, record, reply)
                    continue
                if msg.type != WSMsgType.TEXT:
                    continue
                message = json.loads(msg.data)
                record.messages.append(message)
                kind = message.get("type")
                if kind == "Finalize":
                    await self._send_json(ws, record, listener.finalize())
                elif kind == "CloseStream":
                    await self._send_json(ws, record, listener.finalize())
                    await self._send_json(ws, record, listener.metadata())
                    await ws.close()
                    break
        finally:
            self._finish_socket(ws, record)
        return ws

    async def _transcribe(self, request: web.Request) -> web.StreamResponse:
        """Pre-recorded transcription: a WAV body, the first scripted transcript back."""
        record = self._record(request)
        upload = Upload("", request.content_type, await request.read())
        record.files["body"] = upload
        if (refusal := self._refusal(record)) is not None:
            return refusal
        _, channels, duration = upload.wav()
        text = self.transcripts[0]
        record.texts.append(text)
        alternative = {
            "transcript": text,
            "confidence": 0.98,
            "words": _deepgram_words(text, 0.0, duration),
        }
        body = {
            "metadata": {
                "request_id": str(uuid.uuid4()),
                "duration": duration,
                "channels": channels,
            },
            "results": {"channels": [{"alternatives": [alternative]}]},
        }
        record.done.set()
        return web.json_response(body)

    def _linear16_rate(self, record: Recorded) -> int | None:
        if record.query.get("encoding", "linear16") != "linear16":
            return None
        return int(record.query.get("sample_rate", "24000"))

    async def _speak(self, request: web.Request) -> web.StreamResponse:
        record = self._record(request)
        record.json = await request.json()
        if (refusal := self._refusal(record)) is not None:
            return refusal
        rate = self._linear16_rate(record)
        if rate is None or record.query.get("container", "wav") not in ("none", "wav"):
            record.status = 400
            record.done.set()
            return self._error(400, "the fake speaks linear16 only")
        text = record.json["text"]
        record.texts.append(text)
        record.audio_out_s = speech_seconds(text)
        pcm = tone(record.audio_out_s, rate)
        if record.query.get("container", "wav") == "wav":
            pcm = _wav_header(rate) + pcm
        headers = {"dg-request-id": str(uuid.uuid4()), "dg-char-count": str(len(text))}
        content_type = f"audio/l16;rate={rate};channels=1"
        return await self._stream(request, record, pcm, content_type, headers)

    async def _speak_socket(self, request: web.Request) -> web.StreamResponse:
        record = self._record(request)
        if (refusal := self._refusal(record)) is not None:
            return refusal
        rate = self._linear16_rate(record)
        if rate is None:
            record.status = 400
            record.done.set()
            return self._error(400, "the fake speaks linear16 only")
        ws = await self._accept(request, record)
        try:
            if await self._drop_if_scripted(ws, record):
                return ws
            model = record.query.get("model", "")
            opening = {
                "type": "Metadata",
                "request_id": str(uuid.uuid4()),
                "model_name": model,
                "model_version": "fake",
                "model_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, model)),
            }
            await self._send_json(ws, record, opening)
            pending: list[str] = []
            sequence = itertools.count()
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                message = json.loads(msg.data)
                record.messages.append(message)
                kind = message.get("type")
                if kind == "Speak":
                    pending.append(message["text"])
                elif kind == "Flush":
                    text = "".join(pending)
                    pending.clear()
                    if text.strip():
                        record.texts.append(text)
                        seconds = speech_seconds(text)
                        record.audio_out_s += seconds
                        for piece in _chunks(tone(seconds, rate)):
                            await ws.send_bytes(piece)
                    flushed = {"type": "Flushed", "sequence_id": next(sequence)}
                    await self._send_json(ws, record, flushed)
                elif kind == "Clear":
                    pending.clear()
                    cleared = {"type": "Cleared", "sequence_id": next(sequence)}
                    await self._send_json(ws, record, cleared)
                elif kind == "Close":
                    await ws.close()
                    break
        finally:
            self._finish_socket(ws, record)
        return ws


# --- OpenAI -----------------------------------------------------------------------------


class FakeOpenAISpeechServer(_SpeechServer):
    """OpenAI's ``/v1/audio/transcriptions`` and ``/v1/audio/speech``; ``base_url`` is
    ``{url}/v1`` as for the SDK."""

    SAMPLE_RATE = 24000

    def _routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/audio/transcriptions", self._transcribe)
        router.add_post("/v1/audio/speech", self._speech)

    def _presented_key(self, request: web.Request) -> str:
        return request.headers.get("Authorization", "").removeprefix("Bearer ")

    def _error(self, status: int, message: str) -> web.Response:
        kind = "server_error" if status >= 500 else "invalid_request_error"
        code = "invalid_api_key" if status == 401 else None
        body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
        return web.json_response(body, status=status)

    def _next_transcript(self) -> str:
        return self.transcripts.pop(0) if len(self.transcripts) > 1 else self.transcripts[0]

    async def _transcribe(self, request: web.Request) -> web.StreamResponse:
        record = self._record(request)
        await self._read_form(request, record)
        if (refusal := self._refusal(record)) is not None:
            return refusal
        if "file" not in record.files or "model" not in record.form:
            record.status = 400
            record.done.set()
            return self._error(400, "file and model are required")
        text = self._next_transcript()
        record.texts.append(text)
        response_format = record.form.get("response_format", "json")
        record.done.set()
        if response_format == "text":
            return web.Response(text=text + "\n")
        if response_format == "verbose_json":
            _, _, seconds = record.files["file"].wav()
            body: dict[str, Any] = {
                "task": "transcribe",
                "language": "english",
                "duration": round(seconds, 3),
                "text": text,
                "segments": [],
            }
            return web.json_response(body)
        tokens = len(text.split())
        usage = {
            "type": "tokens",
            "input_tokens": 50,
            "output_tokens": tokens,
            "total_tokens": 50 + tokens,
        }
        return web.json_response({"text": text, "usage": usage})

    async def _speech(self, request: web.Request) -> web.StreamResponse:
        record = self._record(request)
        record.json = body = await request.json()
        if (refusal := self._refusal(record)) is not None:
            return refusal
        try:
            encoder = _Encoder(body.get("response_format", "mp3"), self.SAMPLE_RATE)
        except ValueError as error:
            record.status = 400
            record.done.set()
            return self._error(400, str(error))
        text = body["input"]
        record.texts.append(text)
        record.audio_out_s = speech_seconds(text)
        audio = encoder.encode(tone(record.audio_out_s, self.SAMPLE_RATE)) + encoder.flush()
        request_id = {"x-request-id": f"req_{uuid.uuid4().hex}"}
        if body.get("stream_format") != "sse":
            return await self._stream(request, record, audio, encoder.content_type, request_id)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"} | request_id)
        await response.prepare(request)
        for piece in _chunks(audio):
            delta = {"type": "speech.audio.delta", "audio": base64.b64encode(piece).decode()}
            await response.write(f"data: {json.dumps(delta)}\n\n".encode())
        usage = {"input_tokens": len(text.split()), "output_tokens": len(audio) // 100}
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        done = {"type": "speech.audio.done", "usage": usage}
        await response.write(f"data: {json.dumps(done)}\n\n".encode())
        await response.write_eof()
        record.done.set()
        return response


# --- ElevenLabs -------------------------------------------------------------------------


def _eleven_encoder(output_format: str) -> _Encoder:
    """``mp3_22050_32`` → MP3 at 22.05 kHz and 32 kbps, ``pcm_24000`` → raw linear16."""
    parts = output_format.split("_")
    if parts[0] == "mp3" and len(parts) == 3:
        return _Encoder("mp3", int(parts[1]), int(parts[2]))
    if parts[0] == "pcm" and len(parts) == 2:
        return _Encoder("pcm", int(parts[1]))
    raise ValueError(f"the fake does not produce {output_format}")


def _alignment(text: str, offset_ms: float, seconds: float) -> dict[str, Any]:
    step = seconds * 1000 / max(len(text), 1)
    return {
        "chars": list(text),
        "charStartTimesMs": [round(offset_ms + i * step) for i in range(len(text))],
        "charDurationsMs": [round(step)] * len(text),
    }


@dataclass
class _Context:
    encoder: _Encoder
    pending: list[str] = field(default_factory=list)
    clock_ms: float = 0.0


class FakeElevenLabsServer(_SpeechServer):
    """ElevenLabs' text-to-speech (HTTP stream and multi-stream-input websocket) and Scribe
    speech-to-text; admins enter ``{url}`` (the adapters add ``/v1``)."""

    def _routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/text-to-speech/{voice_id}/stream", self._speak)
        router.add_post("/v1/text-to-speech/{voice_id}", self._speak)
        router.add_get("/v1/text-to-speech/{voice_id}/multi-stream-input", self._speak_socket)
        router.add_post("/v1/speech-to-text", self._transcribe)

    def _presented_key(self, request: web.Request) -> str:
        return request.headers.get("xi-api-key", "")

    def _error(self, status: int, message: str) -> web.Response:
        kind = "invalid_api_key" if status == 401 else "error"
        return web.json_response({"detail": {"status": kind, "message": message}}, status=status)

    async def _speak(self, request: web.Request) -> web.StreamResponse:
        record = self._record(request)
        record.json = body = await request.json()
        if (refusal := self._refusal(record)) is not None:
            return refusal
        try:
            encoder = _eleven_encoder(record.query.get("output_format", "mp3_44100_128"))
        except ValueError as error:
            record.status = 400
            record.done.set()
            return self._error(400, str(error))
        text = body["text"]
        record.texts.append(text)
        record.audio_out_s = speech_seconds(text)
        audio = encoder.encode(tone(record.audio_out_s, encoder.sample_rate)) + encoder.flush()
        return await self._stream(request, record, audio, encoder.content_type)

    async def _speak_socket(self, request: web.Request) -> web.StreamResponse:
        record = self._record(request)
        if (refusal := self._refusal(record)) is not None:
            return refusal
        try:
            output_format = record.query.get("output_format", "mp3_44100_128")
            _eleven_encoder(output_format)
        except ValueError as error:
            record.status = 400
            record.done.set()
            return self._error(400, str(error))
        ws = await self._accept(request, record)
        contexts: dict[str, _Context] = {}
        try:
            if await self._drop_if_scripted(ws, record):
                return ws
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                message = json.loads(msg.data)
                record.messages.append(message)
                if message.get("close_socket"):
                    await ws.close()
                    break
                context_id = message.get("context_id", "")
                if context_id not in contexts:
                    contexts[context_id] = _Context(_eleven_encoder(output_format))
                context = contexts[context_id]
                context.pending.append(message.get("text") or "")
                if message.get("flush") or message.get("close_context"):
                    await self._generate(ws, record, context_id, context)
                if message.get("close_context"):
                    tail = context.encoder.flush()
                    if tail:
                        audio = {"audio": base64.b64encode(tail).decode(), "context_id": context_id}
                        await ws.send_str(json.dumps(audio))
                    await self._send_json(ws, record, {"isFinal": True, "context_id": context_id})
                    del contexts[context_id]
        finally:
            self._finish_socket(ws, record)
        return ws

    async def _generate(
        self, ws: web.WebSocketResponse, record: Recorded, context_id: str, context: _Context
    ) -> None:
        text = " ".join("".join(context.pending).split())
        context.pending.clear()
        if not text:
            return
        record.texts.append(text)
        seconds = speech_seconds(text)
        record.audio_out_s += seconds
        audio = context.encoder.encode(tone(seconds, context.encoder.sample_rate))
        alignment = _alignment(text, context.clock_ms, seconds)
        context.clock_ms += seconds * 1000
        reply = {
            "audio": base64.b64encode(audio).decode() if audio else None,
            "isFinal": None,
            "normalizedAlignment": alignment,
            "alignment": alignment,
            "context_id": context_id,
        }
        # Only the alignment is kept: the audio is long and checked through the client.
        record.replies.append({**reply, "audio": len(audio)})
        await ws.send_str(json.dumps(reply))

    async def _transcribe(self, request: web.Request) -> web.StreamResponse:
        record = self._record(request)
        await self._read_form(request, record)
        if (refusal := self._refusal(record)) is not None:
            return refusal
        if "file" not in record.files or "model_id" not in record.form:
            record.status = 400
            record.done.set()
            return self._error(400, "file and model_id are required")
        text = self.transcripts.pop(0) if len(self.transcripts) > 1 else self.transcripts[0]
        record.texts.append(text)
        _, _, seconds = record.files["file"].wav()
        tokens = text.split()
        step = seconds / max(len(tokens), 1)
        words: list[dict[str, Any]] = []
        for i, token in enumerate(tokens):
            if i:
                words.append({"text": " ", "start": i * step, "end": i * step, "type": "spacing"})
            words.append(
                {
                    "text": token,
                    "start": round(i * step, 3),
                    "end": round((i + 1) * step, 3),
                    "type": "word",
                    "speaker_id": "speaker_0",
                    "logprob": -0.05,
                }
            )
        body = {
            "language_code": record.form.get("language_code", "en"),
            "language_probability": 0.99,
            "text": text,
            "words": words,
        }
        record.done.set()
        return web.json_response(body)
