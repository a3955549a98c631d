"""Every private livekit-agents (and LiveKit SDK) name the worker relies on, in this one module.

Each has no public equivalent in the versions this project pins: the speech a reply task is
generating (a context variable), two points of ``AgentServer`` (how it weighs a job it has
accepted but not started, and what it does when a job's process ends), the SDK's queue of
native events (which loop each event wakes: an audio stream's, a room's, a capturing audio
source's), the event loop a Silero VAD stream runs its inferences through, and how much
sound the background player has buffered beyond a stopped handle. The rest of the worker
uses the functions and the class below, never the names themselves.
``tests/unit/telephony/test_livekit_private.py`` fails when an upgrade moves one.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from livekit import rtc
from livekit.agents import AgentServer
from livekit.agents.ipc.job_executor import JobExecutor
from livekit.agents.voice import background_audio
from livekit.agents.voice.agent_activity import _SpeechHandleContextVar
from livekit.rtc._ffi_client import FfiClient
from livekit.rtc._proto import ffi_pb2

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


# The SDK's own ``AudioSource.capture_frame``, which ``_capture_frame`` replaces (kept for the
# test that notices when an upgrade changes it).
_SDK_CAPTURE_FRAME: Callable[..., Any] = rtc.AudioSource.capture_frame
# The callback ids betool's captures ask the SDK for (``request_async_id``): far above the
# SDK's own counter, from which every other request's id comes.
_capture_async_ids = itertools.count(1 << 62)


def _capture_done(async_id: int) -> Callable[[ffi_pb2.FfiEvent], bool]:
    def done(event: ffi_pb2.FfiEvent) -> bool:
        return bool(
            event.WhichOneof("message") == "capture_audio_frame"
            and event.capture_audio_frame.async_id == async_id
        )

    return done


async def _capture_frame(self: rtc.AudioSource, frame: rtc.AudioFrame) -> None:
    """``rtc.AudioSource.capture_frame`` of the pinned SDK, but waiting for its own callback
    only: the SDK's subscribes without a filter, so while an agent speaks (a capture is
    nearly always waiting for room in the source's queue) every native event of the
    process, each caller's every audio frame among them, wakes the speaking call's loop,
    which looks at it and drops it. The id is chosen before the request, so the filter
    can name it."""
    if frame.samples_per_channel == 0 or self._ffi_handle.disposed:
        return
    now = time.monotonic()
    elapsed = 0.0 if self._last_capture == 0.0 else now - self._last_capture
    self._q_size += frame.samples_per_channel / self.sample_rate - elapsed
    self._last_capture = now
    if self._join_handle:
        self._join_handle.cancel()
    if self._join_fut is None:
        self._join_fut = self._loop.create_future()
    self._join_handle = self._loop.call_later(self._q_size, self._release_waiter)

    async_id = next(_capture_async_ids)
    request = ffi_pb2.FfiRequest()
    request.capture_audio_frame.source_handle = self._ffi_handle.handle
    request.capture_audio_frame.buffer.CopyFrom(frame._proto_info())
    request.capture_audio_frame.request_async_id = async_id
    events = FfiClient.instance.queue
    queue = events.subscribe(loop=self._loop, filter_fn=_capture_done(async_id))
    try:
        FfiClient.instance.request(request)
        done = await queue.get()
    finally:
        events.unsubscribe(queue)
    if done.capture_audio_frame.error:
        raise Exception(done.capture_audio_frame.error)  # as the SDK's own raises it


@functools.cache
def wake_a_capturing_source_for_its_own_callback_only() -> None:
    """Every ``rtc.AudioSource`` (the agent's voice, the hold music's) captures with
    ``_capture_frame``. Once per process."""
    rtc.AudioSource.capture_frame = _capture_frame  # type: ignore[method-assign]


def _room_events(room_handle: int) -> Callable[[ffi_pb2.FfiEvent], bool]:
    """What a room's listener handles: its own room's events and the callbacks its
    participants wait on; not media (the streams subscribe for theirs), not the audio
    sources' capture callbacks (``_capture_frame`` waits for its own), not other rooms'."""
    media = ("audio_stream_event", "video_stream_event", "capture_audio_frame")

    def accepts(event: ffi_pb2.FfiEvent) -> bool:
        kind = event.WhichOneof("message")
        if kind == "room_event":
            return bool(event.room_event.room_handle == room_handle)
        return kind not in media

    return accepts


@functools.cache
def wake_a_room_for_its_own_events_only() -> None:
    """A connected ``rtc.Room`` listens with ``_room_events``. The SDK's filter leaves out
    only media streams' frames, so each frame an agent speaks (its capture callback) wakes
    the room's listener, which forwards it to the room's own queue and waits for that
    queue's subscribers, 50 to 100 times a second per speaking call; and with several calls
    in one process, every room hears every other room's events too. Once per process."""
    original = rtc.Room.connect

    @functools.wraps(original)
    async def connect(self: rtc.Room, *args: Any, **kwargs: Any) -> None:
        await original(self, *args, **kwargs)
        if self._ffi_handle is not None:  # connected
            refilter_subscriber(
                FfiClient.instance.queue, self._ffi_queue, _room_events(self._ffi_handle.handle)
            )

    rtc.Room.connect = connect  # type: ignore[method-assign]
