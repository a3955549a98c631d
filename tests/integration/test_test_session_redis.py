"""The editor's test session with the real Redis channel layer: a draft saved in one place
reaches the open session through Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import Client

from betool.models import Membership
from betool.roles import Role
from pipelines.services import draft_save, pipeline_create
from tests.unit.test_test_session_socket import _socket, _until

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_saved_draft_reaches_the_session_through_redis(
    member: Callable[[Role], Membership],
) -> None:
    assert "RedisChannelLayer" in settings.CHANNEL_LAYERS["default"]["BACKEND"]
    assert type(get_channel_layer()).__name__ == "RedisChannelLayer"

    def setup() -> tuple[Any, Any, Client]:
        designer = member(Role.DESIGNER)
        pipeline = pipeline_create(
            workspace=designer.workspace, user=designer.user, name="FD", template="front_desk"
        )
        client = Client()
        client.force_login(designer.user)
        return pipeline, designer.user, client

    pipeline, user, client = await sync_to_async(setup)()
    communicator = _socket(client, pipeline.pk)
    assert (await communicator.connect())[0]
    await _until(communicator, "turn_end")
    await communicator.send_json_to({"type": "user_message", "text": "pricing"})
    turn = await _until(communicator, "turn_end")
    assert [e["node_id"] for e in turn if e["type"] == "node_enter"][:2] == ["classify", "sales"]

    revision = pipeline.draft_revision
    await sync_to_async(draft_save)(
        pipeline=pipeline, user=user, graph=pipeline.draft, revision=revision
    )
    notice = await communicator.receive_json_from(timeout=10)
    assert notice == {"type": "draft_updated", "revision": revision + 1}
    await communicator.disconnect()
