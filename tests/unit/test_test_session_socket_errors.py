"""A bad frame on the test-session socket gets a JSON error; the socket stays usable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from betool.asgi import application
from betool.models import Membership
from betool.roles import Role
from pipelines.services import pipeline_create

pytestmark = pytest.mark.django_db(transaction=True)


def _signed_in(member: Callable[[Role], Membership]) -> tuple[Client, int]:
    designer = member(Role.DESIGNER)
    pipeline = pipeline_create(
        workspace=designer.workspace, user=designer.user, name="FD", template="front_desk"
    )
    client = Client()
    client.force_login(designer.user)
    return client, pipeline.pk


def _socket(client: Client, path: str) -> Any:
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    return WebsocketCommunicator(application, path, headers=[*headers, (b"cookie", cookie)])


async def _until(communicator: Any, kind: str) -> list[dict[str, Any]]:
    events = []
    while True:
        events.append(await communicator.receive_json_from(timeout=5))
        if events[-1]["type"] == kind:
            return events


async def test_bad_frames_get_an_error_message_and_the_session_goes_on(
    member: Callable[[Role], Membership],
) -> None:
    client, pipeline_id = await sync_to_async(_signed_in)(member)
    socket = _socket(client, f"/ws/pipelines/{pipeline_id}/test/")
    assert (await socket.connect())[0]
    await _until(socket, "turn_end")

    bad_frames: list[dict[str, Any]] = [
        {"text_data": "this is not json"},
        {"bytes_data": b"\x00\x01binary"},
        {"text_data": '{"a":' * 5000 + "1" + "}" * 5000},
        {"text_data": '"just a string"'},
        {"text_data": "[1, 2, 3]"},
        {"text_data": '{"type": "user_message", "text": "' + "x" * 70_000 + '"}'},
        {"text_data": '{"type": "user_message", "text": 12}'},
        {"text_data": '{"type": "digits", "digits": {"a": 1}}'},
    ]
    for frame in bad_frames:
        await socket.send_to(**frame)
        answer = await socket.receive_json_from(timeout=5)
        assert answer["type"] == "error", frame
        assert answer["message"]

    await socket.send_json_to({"type": "user_message", "text": "I need a person"})
    assert (await _until(socket, "turn_end"))[-1]["type"] == "turn_end"
    await socket.disconnect()


@pytest.mark.parametrize("version", ["abc", "-1", "99999999999999999999", "1.5"])
async def test_a_bad_version_is_answered_then_closed_with_a_policy_code(
    member: Callable[[Role], Membership], version: str
) -> None:
    client, pipeline_id = await sync_to_async(_signed_in)(member)
    socket = _socket(client, f"/ws/pipelines/{pipeline_id}/test/?version={version}")
    assert (await socket.connect())[0]
    answer = await socket.receive_json_from(timeout=5)
    assert answer["type"] == "error"
    assert answer["code"] == "invalid_input"
    closed = await socket.receive_output(timeout=5)
    assert closed["type"] == "websocket.close"
    assert closed["code"] == 4400


async def test_a_pipeline_id_past_the_database_range_is_not_found(
    member: Callable[[Role], Membership],
) -> None:
    client, _ = await sync_to_async(_signed_in)(member)
    socket = _socket(client, f"/ws/pipelines/{10**20}/test/")
    assert (await socket.connect())[0]
    answer = await socket.receive_json_from(timeout=5)
    assert answer["type"] == "error"
    closed = await socket.receive_output(timeout=5)
    assert closed["code"] == 4404
