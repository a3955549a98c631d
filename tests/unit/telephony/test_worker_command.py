"""``betool worker``: refuses to start without LiveKit; builds an explicit-dispatch server."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command


def test_the_worker_needs_livekit(settings: Any) -> None:
    settings.LIVEKIT_ENABLED = False
    with pytest.raises(CommandError, match="LIVEKIT_URL"):
        call_command("worker")


def test_the_server_dispatches_explicitly_by_agent_name() -> None:
    from livekit.agents import JobExecutorType

    from telephony.worker.server import build_server, job_load, prewarm

    server = build_server(
        agent_name="betool-unit",
        ws_url="ws://127.0.0.1:1",
        api_key="k",
        api_secret="s",
        executor="process",
    )
    assert server._agent_name == "betool-unit"
    assert server.setup_fnc is prewarm
    assert server._job_executor_type == JobExecutorType.PROCESS
    assert job_load(server) == 0.0  # load counts calls, not CPU


def test_calls_reaching_an_idle_worker_at_once_are_all_accepted(settings: Any) -> None:
    """livekit-agents alone refuses every call but the first reaching an idle worker with one
    idle process; betool's server weighs each call as 1 / max_calls."""
    from telephony.worker.server import build_server

    settings.VOICE_WORKER_MAX_CALLS = 4
    server = build_server(
        agent_name="betool-unit", ws_url="ws://127.0.0.1:1", api_key="k", api_secret="s"
    )
    # What AgentServer.run() sets up before it answers job requests.
    server._devmode = False
    server._worker_load = 0.0  # nothing running yet
    server._reserved_slots = 0
    accepted = 0
    while server._is_available() and accepted < 10:
        server._reserved_slots += 1  # what livekit-agents does when it answers "available"
        accepted += 1
    assert accepted == 4


def test_the_workers_capacity_is_sized_from_the_limits(settings: Any, db: None) -> None:
    """By default the worker takes as many calls as the workspaces' limits add up to (its
    old fixed 4 left the 5th of 10 allowed calls ringing), and keeps up to 4 warm."""
    from betool.models import Workspace
    from telephony.worker import server

    Workspace.objects.create(name="A", slug="a", max_concurrent_calls=10)
    Workspace.objects.create(name="B", slug="b", max_concurrent_calls=3)
    settings.VOICE_WORKER_MAX_CALLS = 0
    settings.VOICE_WORKER_IDLE_PROCESSES = 0
    server._sized_max_calls = None
    try:
        assert server.max_calls() == 13
        assert server.idle_processes(calls=13) == 4
        assert server.idle_processes(calls=2) == 2
        settings.VOICE_WORKER_MAX_CALLS = 6  # a setting wins
        settings.VOICE_WORKER_IDLE_PROCESSES = 1
        assert server.max_calls() == 6
        assert server.idle_processes(calls=6) == 1
    finally:
        server._sized_max_calls = None


def test_prewarm_puts_what_it_loaded_out_of_the_collectors_way() -> None:
    """A full garbage collection during calls walks what the calls made, not Django, the
    SDKs and the models that prewarm loaded for the process's lifetime."""
    import gc

    from telephony.worker.server import prewarm

    class Process:
        userdata: dict[str, Any] = {}

    gc.unfreeze()
    try:
        prewarm(Process())  # type: ignore[arg-type]
        assert "vad" in Process.userdata
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
