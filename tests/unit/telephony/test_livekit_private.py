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


def test_a_silero_vad_stream_still_asks_its_loop_for_nothing_but_each_inference() -> None:
    from livekit.plugins import silero

    from telephony.worker.livekit_private import VAD_STREAM_INFERENCE_CALL

    source = inspect.getsource(silero.VADStream)
    assert "self._loop = asyncio.get_event_loop()" in inspect.getsource(silero.VADStream.__init__)
    assert VAD_STREAM_INFERENCE_CALL in source
    assert source.count("self._loop") == 2, "the stream uses its loop for more than inferences"


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


async def test_vad_inferences_run_on_the_calls_loop_and_still_find_the_speech() -> None:
    """With the inferences inline, a Silero stream still hears an utterance start and end,
    and no inference leaves the loop's thread (none waits for an executor's)."""
    import threading

    from livekit import rtc
    from livekit.agents import utils
    from livekit.agents.vad import VADEventType
    from livekit.plugins import silero
    from livekit.plugins.silero import onnx_model

    from telephony.worker.livekit_private import run_vad_inferences_on_the_call_loop
    from voice_models.local.tts import EspeakTTS

    run_vad_inferences_on_the_call_loop()
    speech = b""
    async with EspeakTTS(sample_rate=16000).synthesize("I want to talk to an agent.") as spoken:
        async for audio in spoken:
            speech += bytes(audio.frame.data)
    judged_on: set[int] = set()
    judge = onnx_model.OnnxModel.__call__

    def recorded(model: onnx_model.OnnxModel, window: object) -> float:
        judged_on.add(threading.get_ident())
        return judge(model, window)  # type: ignore[arg-type]

    silence = rtc.AudioFrame(bytes(320 * 2), 16000, 1, 320)
    original_call = onnx_model.OnnxModel.__call__
    onnx_model.OnnxModel.__call__ = recorded  # type: ignore[method-assign]
    try:
        stream = silero.VAD.load(min_silence_duration=0.3).stream()
        for _ in range(20):
            stream.push_frame(silence)
        for frame in utils.audio.AudioByteStream(16000, 1, samples_per_channel=320).write(speech):
            stream.push_frame(frame)
        for _ in range(50):
            stream.push_frame(silence)
        stream.end_input()
        kinds = [event.type async for event in stream]
    finally:
        onnx_model.OnnxModel.__call__ = original_call  # type: ignore[method-assign]
    assert judged_on == {threading.get_ident()}
    assert VADEventType.START_OF_SPEECH in kinds
    assert kinds.index(VADEventType.END_OF_SPEECH) > kinds.index(VADEventType.START_OF_SPEECH)
    assert kinds.count(VADEventType.INFERENCE_DONE) > 50


async def test_a_failed_inline_inference_reaches_the_stream_as_from_an_executor() -> None:
    import asyncio

    import pytest

    from telephony.worker.livekit_private import _InferenceInline

    inline = _InferenceInline(asyncio.get_running_loop())
    assert await inline.run_in_executor(None, lambda x: x * 2, 0.25) == 0.5

    def broken(_: object) -> float:
        raise RuntimeError("onnxruntime failed")

    with pytest.raises(RuntimeError, match="onnxruntime failed"):
        await inline.run_in_executor(None, broken, None)
