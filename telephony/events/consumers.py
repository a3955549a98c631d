"""The call monitor's live feed: a websocket that forwards the workspace's call events.

Services send ``{"type": "call.event", "call_id", "kind", "status", …}`` to
``calls_group(workspace_id)`` after each commit; this consumer passes them on as JSON.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from betool.access import WORKSPACE_SESSION_KEY
from betool.roles import Permission, role_allows
from betool.selectors import membership_for
from pipelines.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from telephony.events.monitor import calls_group


class CallMonitorConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        slug = self.scope.get("session", {}).get(WORKSPACE_SESSION_KEY)
        membership = await database_sync_to_async(membership_for)(user=user, workspace_slug=slug)
        if membership is None or not role_allows(membership.role, Permission.CALLS_VIEW):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = calls_group(membership.workspace_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "ready"})

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.send_json(
            {"type": "error", "code": "read_only", "message": "This feed only sends events."}
        )

    async def call_event(self, message: dict[str, Any]) -> None:
        await self.send_json({**message, "type": "call_event"})
