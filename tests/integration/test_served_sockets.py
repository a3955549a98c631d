"""The websockets of the server people run (``scripts/run``'s uvicorn, not the tests' daphne).

The browser tier serves through daphne; ``scripts/run`` and the docker image serve through
uvicorn, whose websocket implementation is its own choice (``--ws``). Here that exact
command, on the test database and Redis, carries the call monitor's socket both ways: the
handshake with the session cookie, a frame from the browser, and an event pushed by another
process through the channel layer.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from websockets.asyncio.client import connect
from websockets.typing import Origin

from betool.models import Membership
from betool.roles import Role
from telephony.events.monitor import calls_group
from tests.integration.conftest import ROOT

STARTUP_S = 60


def served_command(port: int) -> list[str]:
    """The server ``scripts/run`` starts (its ``SERVE=(...)``), on ``port``, one process."""
    script = (ROOT / "scripts" / "run").read_text()
    found = re.search(r"^SERVE=\((.*?)\)$", script, re.S | re.M)
    assert found, "scripts/run no longer says what it serves with SERVE=(...)"
    words = shlex.split(found.group(1).replace("\\\n", " "))
    return [word.replace("$PORT", str(port)).replace("$BETOOL_WEB_WORKERS", "1") for word in words]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(process_env: dict[str, str]) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    port = _free_port()
    server = subprocess.Popen(
        served_command(port),
        cwd=ROOT,
        env=process_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5)
                break
            except urllib.error.HTTPError:
                break  # it answers: an unhealthy report is still an answer
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    pytest.fail(f"scripts/run's server did not start: {server.communicate()[1]}")
                time.sleep(0.2)
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=20)


def _session_cookie(membership: Membership) -> str:
    client = Client()
    client.force_login(membership.user)
    return str(client.cookies["sessionid"].value)


def test_the_call_monitor_socket_works_through_the_served_server(
    served: tuple[int, subprocess.Popen[str]], member: Callable[[Role], Membership]
) -> None:
    port, server = served
    membership = member(Role.ADMIN)
    asyncio.run(_watch_calls(port, _session_cookie(membership), membership.workspace_id))

    server.terminate()
    _, stderr = server.communicate(timeout=20)
    # uvicorn warns of what it will stop supporting; the command people run must not.
    assert "deprecated" not in stderr.lower(), stderr


async def _watch_calls(port: int, cookie: str, workspace_id: int) -> None:
    """The call monitor's page: it opens the feed, says something, is pushed an event."""
    from channels.layers import get_channel_layer

    async with connect(
        f"ws://127.0.0.1:{port}/ws/calls/",
        origin=Origin(f"http://127.0.0.1:{port}"),
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=20,
    ) as feed:
        assert json.loads(await asyncio.wait_for(feed.recv(), 20)) == {"type": "ready"}

        await feed.send(json.dumps({"type": "hello"}))
        refused = json.loads(await asyncio.wait_for(feed.recv(), 20))
        assert refused["code"] == "read_only"

        layer = get_channel_layer()
        assert layer is not None
        event = {"type": "call.event", "call_id": 7, "status": "answered"}
        await layer.group_send(calls_group(workspace_id), event)
        pushed = json.loads(await asyncio.wait_for(feed.recv(), 20))
        assert pushed == {"type": "call_event", "call_id": 7, "status": "answered"}
