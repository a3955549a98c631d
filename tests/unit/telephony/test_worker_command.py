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
