"""Dispatching the voice worker to a room (explicit dispatch by agent name)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from livekit import api


class LiveKitNotConfigured(RuntimeError):
    pass


async def dispatch_agent(*, room_name: str, metadata: dict[str, Any]) -> str:
    """Ask LiveKit to send the worker (``LIVEKIT_AGENT_NAME``) into ``room_name``."""
    if not settings.LIVEKIT_ENABLED:
        raise LiveKitNotConfigured("LiveKit is not configured (LIVEKIT_URL and keys).")
    async with api.LiveKitAPI(
        settings.LIVEKIT_URL, settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET
    ) as lk:
        dispatch = await lk.agent_dispatch.create_dispatch(
            api.CreateAgentDispatchRequest(
                agent_name=settings.LIVEKIT_AGENT_NAME,
                room=room_name,
                metadata=json.dumps(metadata),
            )
        )
        return str(dispatch.id)
