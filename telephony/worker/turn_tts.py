"""A turn's TTS stream, opened when the graph starts instead of at its first sentence.

livekit-agents calls ``tts_node`` when a reply's first text arrives, and its default opens the
TTS stream there: the stream and its tasks (the fallback adapter's, then the provider's own),
and a streaming provider's connection, all stand between the model's first sentence and the
first audio the caller hears. The model takes far longer than that to think, so the stream is
opened when the graph starts and waits for the text, ready.

A stream that no text reaches (a turn that only hung up or transferred, or one interrupted
before it spoke) is closed when its speech is done.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator
from typing import TYPE_CHECKING, Any

from livekit import rtc
from livekit.agents import APIConnectOptions, tts, utils

if TYPE_CHECKING:
    from livekit.agents.voice.speech_handle import SpeechHandle


class TurnTTS:
    """The one stream opened ahead for the speech being generated, if any."""

    def __init__(self) -> None:
        self._ready: tuple[SpeechHandle, tts.SynthesizeStream] | None = None
        # Streams being closed: a task must be referenced until it has run.
        self._closing: set[asyncio.Task[None]] = set()

    def open(
        self, *, engine: tts.TTS[Any] | None, conn_options: APIConnectOptions, handle: SpeechHandle
    ) -> None:
        """Opens ``engine``'s stream for ``handle``'s speech. A TTS that does not stream is
        left to ``tts_node``'s default (it synthesizes sentence by sentence, nothing to open)."""
        self.discard()
        if engine is None or not engine.capabilities.streaming:
            return
        stream = engine.stream(conn_options=conn_options)
        self._ready = (handle, stream)
        handle.add_done_callback(lambda _: self.discard(stream))

    def take(self, handle: SpeechHandle | None) -> tts.SynthesizeStream | None:
        """The stream opened for ``handle``'s speech, once; None for any other speech (a
        greeting, an announcement said during the turn)."""
        if handle is None or self._ready is None or self._ready[0] is not handle:
            return None
        stream = self._ready[1]
        self._ready = None
        return stream

    def discard(self, stream: tts.SynthesizeStream | None = None) -> None:
        """Closes the stream still waiting (only if it is ``stream``, when given)."""
        if self._ready is None or (stream is not None and self._ready[1] is not stream):
            return
        waiting = self._ready[1]
        self._ready = None
        task = asyncio.ensure_future(waiting.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


async def synthesize(
    stream: tts.SynthesizeStream, text: AsyncIterable[str]
) -> AsyncIterator[rtc.AudioFrame]:
    """``text`` through ``stream``, as the default ``tts_node`` does with the one it opens."""
    async with stream:

        async def forward_text() -> None:
            async for chunk in text:
                stream.push_text(chunk)
            stream.end_input()

        forwarding = asyncio.create_task(forward_text())
        try:
            async for audio in stream:
                yield audio.frame
        finally:
            await utils.aio.cancel_and_wait(forwarding)
