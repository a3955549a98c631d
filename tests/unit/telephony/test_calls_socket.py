"""/ws/calls/: the call monitor's live feed over the real ASGI app, with a session cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from betool.asgi import application
from betool.models import Membership, User, Workspace
from betool.roles import Role
from betool.services import workspace_create
from telephony.events.monitor import calls_group

pytestmark = pytest.mark.django_db(transaction=True)


def _socket(client: Client | None) -> Any:
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    if client is not None:
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/ws/calls/", headers=headers)


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _member_client(member: Callable[[Role], Membership], role: Role) -> tuple[Client, int]:
    membership = member(role)
    return _signed_in(membership.user), membership.workspace_id


async def _event(workspace_id: int, **payload: Any) -> None:
    await get_channel_layer().group_send(
        calls_group(workspace_id), {"type": "call.event", **payload}
    )


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.DESIGNER, Role.FINANCE])
async def test_members_who_view_calls_receive_their_workspaces_events(
    member: Callable[[Role], Membership], role: Role
) -> None:
    client, workspace_id = await sync_to_async(_member_client)(member, role)
    communicator = _socket(client)
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=5)) == {"type": "ready"}
    await _event(
        workspace_id, call_id=7, kind="turn", status="active", sequence=1,
        user_text="hi", agent_text="Hello!",
    )  # fmt: skip
    event = await communicator.receive_json_from(timeout=5)
    assert event == {
        "type": "call_event", "call_id": 7, "kind": "turn", "status": "active",
        "sequence": 1, "user_text": "hi", "agent_text": "Hello!",
    }  # fmt: skip
    await communicator.send_json_to({"type": "hello"})
    assert (await communicator.receive_json_from(timeout=5))["code"] == "read_only"
    await communicator.disconnect()


async def test_another_workspaces_events_never_arrive(
    member: Callable[[Role], Membership], workspace: Workspace
) -> None:
    def other_workspace() -> Workspace:
        owner = User.objects.create_user("elsewhere", "e@example.com", "pw-pw-pw-pw")
        return workspace_create(name="Other", owner=owner)

    other = await sync_to_async(other_workspace)()
    client, _ = await sync_to_async(_member_client)(member, Role.OWNER)
    communicator = _socket(client)
    await communicator.connect()
    await communicator.receive_json_from(timeout=5)
    await _event(other.pk, call_id=1, kind="started", status="ringing")
    assert await communicator.receive_nothing(timeout=0.3)
    await _event(workspace.pk, call_id=2, kind="started", status="ringing")
    assert (await communicator.receive_json_from(timeout=5))["call_id"] == 2
    await communicator.disconnect()


async def test_anonymous_and_non_members_are_refused() -> None:
    connected, code = await _socket(None).connect()
    assert not connected
    assert code == 4401

    def loner() -> User:
        return User.objects.create_user("loner", "l@example.com", "pw-pw-pw-pw")

    client = await sync_to_async(_signed_in)(await sync_to_async(loner)())
    connected, code = await _socket(client).connect()
    assert not connected
    assert code == 4403
