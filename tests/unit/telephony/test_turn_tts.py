"""The turn's TTS stream opened ahead: used by its own speech only, closed when unused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from livekit.agents import tts, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS

from telephony.worker.turn_tts import TurnTTS, synthesize

RATE = 16_000


class EchoStream(tts.SynthesizeStream):
    """Ten milliseconds of audio per character it is given."""

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        output_emitter.initialize(
            request_id=utils.shortuuid(), sample_rate=RATE, num_channels=1,
            mime_type="audio/pcm", frame_size_ms=10, stream=True,
        )  # fmt: skip
        output_emitter.start_segment(segment_id=utils.shortuuid())
        async for item in self._input_ch:
            if isinstance(item, str):
                output_emitter.push(bytes(2 * RATE // 100 * len(item)))
        output_emitter.end_segment()


class EchoTTS(tts.TTS):
    def __init__(self, *, streaming: bool = True) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=streaming), sample_rate=RATE, num_channels=1
        )
        self.streams: list[EchoStream] = []

    def synthesize(self, text: str, *, conn_options: Any = None) -> Any:
        raise NotImplementedError

    def stream(self, *, conn_options: Any = None) -> tts.SynthesizeStream:
        self.streams.append(EchoStream(tts=self, conn_options=DEFAULT_API_CONNECT_OPTIONS))
        return self.streams[-1]


class Handle:
    """What ``TurnTTS`` needs of a SpeechHandle: to hear when the speech is done."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[Any], None]] = []

    def add_done_callback(self, callback: Callable[[Any], None]) -> None:
        self._callbacks.append(callback)

    def done(self) -> None:
        for callback in self._callbacks:
            callback(self)


async def _text(*chunks: str) -> AsyncIterator[str]:
    for chunk in chunks:
        yield chunk


def _open(turn: TurnTTS, engine: tts.TTS, handle: Handle) -> None:
    turn.open(engine=engine, conn_options=DEFAULT_API_CONNECT_OPTIONS, handle=handle)  # type: ignore[arg-type]


async def test_the_turns_speech_is_synthesized_through_the_stream_opened_at_its_start() -> None:
    engine, turn, handle = EchoTTS(), TurnTTS(), Handle()
    _open(turn, engine, handle)
    assert len(engine.streams) == 1  # opened before any text exists

    stream = turn.take(handle)  # type: ignore[arg-type]
    assert stream is engine.streams[0]
    frames = [frame async for frame in synthesize(stream, _text("Hello. ", "Bye."))]
    assert sum(frame.duration for frame in frames) == pytest.approx(0.11)  # 11 characters
    assert turn.take(handle) is None  # type: ignore[arg-type]  # once
    handle.done()
    await asyncio.sleep(0)
    assert len(engine.streams) == 1


async def test_other_speech_gets_no_stream_and_an_unused_one_is_closed_when_done() -> None:
    engine, turn, handle = EchoTTS(), TurnTTS(), Handle()
    _open(turn, engine, handle)
    assert turn.take(Handle()) is None  # type: ignore[arg-type]  # an announcement's
    assert turn.take(None) is None  # the greeting's

    handle.done()  # the turn hung up without a word
    for _ in range(5):
        await asyncio.sleep(0)
    assert engine.streams[0]._task.done()
    assert turn.take(handle) is None  # type: ignore[arg-type]


async def test_a_new_turn_closes_the_stream_its_predecessor_left() -> None:
    engine, turn = EchoTTS(), TurnTTS()
    first, second = Handle(), Handle()
    _open(turn, engine, first)
    _open(turn, engine, second)
    for _ in range(5):
        await asyncio.sleep(0)
    assert engine.streams[0]._task.done()
    assert turn.take(second) is engine.streams[1]  # type: ignore[arg-type]
    first.done()  # late: it must not close the new turn's stream
    await asyncio.sleep(0)
    assert not engine.streams[1]._task.done()
    await engine.streams[1].aclose()


async def test_a_tts_that_does_not_stream_is_left_to_the_default() -> None:
    engine, turn, handle = EchoTTS(streaming=False), TurnTTS(), Handle()
    _open(turn, engine, handle)
    assert engine.streams == []
    assert turn.take(handle) is None  # type: ignore[arg-type]
