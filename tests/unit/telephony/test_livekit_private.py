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
