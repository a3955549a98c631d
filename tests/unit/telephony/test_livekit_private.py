"""The private livekit-agents names of ``telephony.worker.livekit_private`` are still there,
with the shapes the worker relies on: this fails on the upgrade that moves one."""

from __future__ import annotations

import inspect
import pathlib
from contextvars import ContextVar

from livekit.agents import AgentServer
from livekit.agents.voice import agent_activity, background_audio

from telephony.worker import livekit_private
from telephony.worker.livekit_private import (
    SERVER_ATTRIBUTES,
    SERVER_METHODS,
    ServerWithJobHooks,
    current_speech_handle,
)
from telephony.worker.server import BetoolServer


def test_the_reply_tasks_speech_is_still_a_context_variable() -> None:
    assert isinstance(agent_activity._SpeechHandleContextVar, ContextVar)
    assert current_speech_handle() is None  # outside a reply task


def test_the_servers_private_methods_and_attributes_are_still_there() -> None:
    for name in SERVER_METHODS:
        assert callable(getattr(AgentServer, name, None)), name
    assert list(inspect.signature(AgentServer._get_effective_load).parameters) == ["self"]
    assert list(inspect.signature(AgentServer._update_job_status).parameters) == ["self", "proc"]
    assert inspect.iscoroutinefunction(AgentServer._update_job_status)
    source = inspect.getsource(AgentServer)
    for name in SERVER_ATTRIBUTES:
        assert f"self.{name}" in source, name


def test_the_background_players_buffer_and_block_are_still_what_the_tail_counts() -> None:
    assert isinstance(background_audio._AUDIO_SOURCE_BUFFER_MS, int)
    source = inspect.getsource(background_audio.BackgroundAudioPlayer.__init__)
    assert "queue_size_ms=_AUDIO_SOURCE_BUFFER_MS" in source
    assert f"blocksize={livekit_private.BACKGROUND_MIXER_BLOCK_SAMPLES}" in source
    assert 0.1 < livekit_private.background_audio_tail_s() < 2


def test_only_the_adapter_names_private_livekit_agents_parts() -> None:
    """The rest of the worker goes through the adapter's hooks."""
    assert issubclass(BetoolServer, ServerWithJobHooks)
    for name in ("_get_effective_load", "_update_job_status"):
        assert name not in vars(BetoolServer), name
    worker = pathlib.Path(livekit_private.__file__).parent
    private = (
        "_SpeechHandleContextVar",
        "_AUDIO_SOURCE_BUFFER_MS",
        *SERVER_METHODS,
        *SERVER_ATTRIBUTES,
    )
    for module in worker.glob("*.py"):
        if module.name == "livekit_private.py":
            continue
        text = module.read_text()
        assert not [name for name in private if name in text], module.name


def test_the_sdks_event_queue_and_audio_stream_still_have_the_parts_the_routing_uses() -> None:
    from livekit import rtc
    from livekit.rtc._ffi_client import FfiQueue

    from telephony.worker.livekit_private import AUDIO_STREAM_ATTRIBUTES, FFI_QUEUE_ATTRIBUTES

    events = FfiQueue[object]()
    for name in FFI_QUEUE_ATTRIBUTES:
        assert hasattr(events, name), name
    source = inspect.getsource(rtc.AudioStream.__init__)
    for name in AUDIO_STREAM_ATTRIBUTES:
        assert f"self.{name} =" in source, name
    # Its subscription is made in __init__, so the routing can replace its filter after it.
    assert "queue.subscribe(" in source


async def test_an_audio_frame_wakes_only_the_loop_of_the_stream_it_belongs_to() -> None:
    """Two calls' audio streams in one process: each frame (and each end of stream) is
    queued for its own stream only, other events for nobody that filters them out."""
    import asyncio

    from livekit.rtc._ffi_client import FfiQueue
    from livekit.rtc._proto import ffi_pb2

    from telephony.worker.livekit_private import own_frames_filter, refilter_subscriber

    def sdk_filter(event: ffi_pb2.FfiEvent) -> bool:  # what rtc.AudioStream subscribes with
        return event.WhichOneof("message") == "audio_stream_event"

    events = FfiQueue[ffi_pb2.FfiEvent]()
    loop = asyncio.get_running_loop()
    first, second = events.subscribe(loop, sdk_filter), events.subscribe(loop, sdk_filter)
    everything = events.subscribe(loop)  # a room's or a source's, left as it was
    refilter_subscriber(events, first, own_frames_filter(1))
    refilter_subscriber(events, second, own_frames_filter(2))

    def frame_of(handle: int) -> ffi_pb2.FfiEvent:
        event = ffi_pb2.FfiEvent()
        event.audio_stream_event.stream_handle = handle
        event.audio_stream_event.frame_received.SetInParent()
        return event

    end_of_2 = ffi_pb2.FfiEvent()
    end_of_2.audio_stream_event.stream_handle = 2
    end_of_2.audio_stream_event.eos.SetInParent()
    other = ffi_pb2.FfiEvent()
    other.room_event.room_handle = 1
    for event in (frame_of(1), frame_of(2), frame_of(1), end_of_2, other):
        events.put(event)
    await asyncio.sleep(0.05)

    def drained(queue: asyncio.Queue[ffi_pb2.FfiEvent]) -> list[str]:
        taken = []
        while not queue.empty():
            event = queue.get_nowait()
            kind = event.WhichOneof("message")
            if kind == "audio_stream_event":
                taken.append(
                    f"{event.audio_stream_event.WhichOneof('message')}:"
                    f"{event.audio_stream_event.stream_handle}"
                )
            else:
                taken.append(str(kind))
        return taken

    assert drained(first) == ["frame_received:1", "frame_received:1"]
    assert drained(second) == ["frame_received:2", "eos:2"]
    assert len(drained(everything)) == 5
