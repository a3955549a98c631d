"""One designer's template bomb does not stall anyone else: /api/health answers meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.test import Client

from betool.asgi import application
from betool.models import Membership
from betool.roles import Role
from pipelines.services import draft_save, pipeline_create

from .pipelines.graphs import chain, document, node, start

pytestmark = pytest.mark.django_db(transaction=True)

# Runs until the turn's 6 s timeout: each step is bounded, the loop is not.
SLOW = "{% for i in range(100000) %}{% if range(100000)|sum > 0 %}{% endif %}{% endfor %}"
TURN_TIMEOUT_S = 6.0
# No healthy run comes near this; a blocked loop would take the bomb's whole budget.
HEALTH_CEILING_S = 1.0


def _bomb_pipeline(member: Callable[[Role], Membership]) -> tuple[int, Client]:
    designer = member(Role.DESIGNER)
    pipeline = pipeline_create(workspace=designer.workspace, user=designer.user, name="Bomb")
    graph = document(
        [start(greeting=""), node("say", "say", text=SLOW)],
        chain("start", "say"),
        turn_timeout_s=TURN_TIMEOUT_S,
    )
    draft_save(pipeline=pipeline, user=designer.user, graph=graph, revision=pipeline.draft_revision)
    client = Client()
    client.force_login(designer.user)
    return pipeline.pk, client


async def _health_s() -> float:
    began = time.monotonic()
    communicator = HttpCommunicator(
        application, "GET", "/api/health", headers=[(b"host", b"127.0.0.1:8000")]
    )
    response = await communicator.get_response(timeout=30)
    assert response["status"] in (200, 503)
    return time.monotonic() - began


async def test_health_answers_while_a_template_bomb_runs(
    member: Callable[[Role], Membership],
) -> None:
    pipeline_id, client = await sync_to_async(_bomb_pipeline)(member)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = WebsocketCommunicator(
        application,
        f"/ws/pipelines/{pipeline_id}/test/",
        headers=[
            (b"origin", b"http://127.0.0.1:8000"),
            (b"host", b"127.0.0.1:8000"),
            (b"cookie", cookie),
        ],
    )
    connected, _ = await socket.connect()
    assert connected
    while (await socket.receive_json_from(timeout=10))["type"] != "turn_end":
        pass
    await _health_s()  # warm: the first request imports and connects

    began = time.monotonic()
    await socket.send_json_to({"type": "user_message", "text": "go"})
    timings: list[float] = []
    while time.monotonic() - began < TURN_TIMEOUT_S - 2:
        timings.append(await _health_s())
        await asyncio.sleep(0.2)
    events: list[dict[str, Any]] = []
    while not events or events[-1]["type"] != "turn_end":
        events.append(await socket.receive_json_from(timeout=TURN_TIMEOUT_S + 10))
    bomb_s = time.monotonic() - began
    await socket.disconnect()

    assert bomb_s >= TURN_TIMEOUT_S - 1  # the bomb used its budget...
    assert events[-1]["reason"] == "node_error"
    assert "time limit" in events[-1]["trace"]["detail"]
    assert len(timings) >= 5
    assert max(timings) < HEALTH_CEILING_S  # ...and health never waited for it
