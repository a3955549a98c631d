"""Every private livekit-agents (and LiveKit SDK) name the worker relies on, in this one module.

Each has no public equivalent in the versions this project pins: the speech a reply task is
generating (a context variable), two points of ``AgentServer`` (how it weighs a job it has
accepted but not started, and what it does when a job's process ends), the SDK's queue of
native events (which stream each audio frame is delivered to), the event loop a Silero VAD
stream runs its inferences through, and how much sound the background player has buffered
beyond a stopped handle. The rest of the worker uses the functions and the class below,
never the names themselves.
``tests/unit/telephony/test_livekit_private.py`` fails when an upgrade moves one.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from livekit import rtc
from livekit.agents import AgentServer
from livekit.agents.ipc.job_executor import JobExecutor
from livekit.agents.voice import background_audio
from livekit.agents.voice.agent_activity import _SpeechHandleContextVar
from livekit.rtc._ffi_client import FfiClient

if TYPE_CHECKING:
    from livekit.agents.voice.speech_handle import SpeechHandle

# What each private name is, for the test that checks they are still there.
SERVER_METHODS = ("_get_effective_load", "_update_job_status", "_is_available")
SERVER_ATTRIBUTES = ("_worker_load", "_reserved_slots")
FFI_QUEUE_ATTRIBUTES = ("_lock", "_subscribers")
AUDIO_STREAM_ATTRIBUTES = ("_ffi_queue", "_ffi_handle")
# The one use a Silero VAD stream makes of its event loop (its ``_loop``): each inference.
VAD_STREAM_INFERENCE_CALL = "self._loop.run_in_executor(None, self._model, inference_f32_data)"


# The background player mixes in blocks of this many samples at 48 kHz (its constructor's
# ``blocksize``, not a module constant).
BACKGROUND_MIXER_BLOCK_SAMPLES = 4800


def background_audio_tail_s() -> float:
    """How long the caller still hears a background sound after its handle is stopped.

    The player removes a stopped sound from its mixer rather than clearing its track's
    buffer (which would click), so what is buffered and the block being mixed still play.
    """
    buffered_ms: int = background_audio._AUDIO_SOURCE_BUFFER_MS
    return buffered_ms / 1000 + BACKGROUND_MIXER_BLOCK_SAMPLES / 48_000


def current_speech_handle() -> SpeechHandle | None:
    """The speech the running reply task is generating (inside ``llm_node``); None outside."""
    return _SpeechHandleContextVar.get(None)


class ServerWithJobHooks(AgentServer):
    """An ``AgentServer`` whose load and finished jobs subclasses see through public hooks."""

    def reserved_job_weight(self) -> float | None:
        """The load one accepted, not yet started job adds; None: livekit-agents' estimate."""
        return None

    async def job_process_ended(self, proc: JobExecutor) -> None:
        """After livekit-agents noted a job process's new status."""

    def _get_effective_load(self) -> float:
        weight = self.reserved_job_weight()
        if weight is None:
            return super()._get_effective_load()
        # Calls accepted but not yet started count like running ones.
        return self._worker_load + self._reserved_slots * weight

    async def _update_job_status(self, proc: JobExecutor) -> None:
        await super()._update_job_status(proc)
        await self.job_process_ended(proc)


def own_frames_filter(handle: int) -> Callable[[Any], bool]:
    """The native events of one audio stream: its frames and its end."""

    def own_frames(event: Any) -> bool:
        return bool(
            event.WhichOneof("message") == "audio_stream_event"
            and event.audio_stream_event.stream_handle == handle
        )

    return own_frames


def refilter_subscriber(events: Any, queue: Any, accepts: Callable[[Any], bool]) -> None:
    """Gives ``queue``'s subscription to the SDK's event queue ``events`` the filter
    ``accepts`` (applied in the SDK's callback thread, before the queue's loop is woken)."""
    with events._lock:
        events._subscribers = [
            (subscriber, loop, accepts if subscriber is queue else kept)
            for subscriber, loop, kept in events._subscribers
        ]


@functools.cache
def deliver_audio_frames_to_their_stream_only() -> None:
    """Each ``rtc.AudioStream`` subscribes to the SDK's native events with a filter that
    takes every stream's frames, not only its own: each frame of each call wakes the event
    loop of every call's stream, which looks at it and drops it. With a worker's calls in
    one process (the thread executor) that is N² loop wakeups for N calls' frames. Here each
    stream's filter also checks the frame's stream handle, so a frame wakes only the loop
    that reads it. Once per process."""
    original = rtc.AudioStream.__init__

    @functools.wraps(original)
    def init(self: rtc.AudioStream, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        refilter_subscriber(
            FfiClient.instance.queue, self._ffi_queue, own_frames_filter(self._ffi_handle.handle)
        )

    rtc.AudioStream.__init__ = init  # type: ignore[method-assign]


class _InferenceInline:
    """Stands in for a Silero VAD stream's event loop, which the stream asks for one thing
    only: to run each inference in the loop's default executor. Here it runs at once, on
    the call's own loop, and the stream awaits a future that is already done (no switch)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def run_in_executor(
        self, executor: None, inference: Callable[..., float], *args: Any
    ) -> asyncio.Future[float]:
        done = self._loop.create_future()
        try:
            done.set_result(inference(*args))
        except Exception as exc:  # noqa: BLE001 - the stream gets it, as from an executor
            done.set_exception(exc)
        return done


@functools.cache
def run_vad_inferences_on_the_call_loop() -> None:
    """Each Silero VAD stream judges its 32 ms windows on the call's event loop instead of
    handing each to a thread of the loop's executor and waiting for the answer. The model
    is small (a fraction of a millisecond a window, onnxruntime releases the GIL while it
    runs, so the other calls of the process go on), and the hand-off cost more than the
    inference: two thread wake-ups, two GIL hand-overs and a loop wake-up, 31 times a second
    per call, for the call's whole length. Once per process."""
    from livekit.plugins import silero

    original = silero.VADStream.__init__

    @functools.wraps(original)
    def init(self: silero.VADStream, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._loop = _InferenceInline(self._loop)  # type: ignore[assignment]

    silero.VADStream.__init__ = init  # type: ignore[method-assign]


def shape_the_sdk_for_calls() -> None:
    """What a call process changes in the SDK and Silero before its first call: each audio
    frame wakes only its own stream's loop, and each VAD window is judged on the call's loop.
    Once per process."""
    deliver_audio_frames_to_their_stream_only()
    run_vad_inferences_on_the_call_loop()
