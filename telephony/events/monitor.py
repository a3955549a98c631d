"""Live call events for the call monitor, sent to a Channels group after the commit."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def calls_group(workspace_id: int) -> str:
    return f"calls.{workspace_id}"


def _send(workspace_id: int, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            calls_group(workspace_id), {"type": "call.event", **payload}
        )
    # Live events are best effort: a channel layer that is down (whatever it raises) must not
    # fail the write that has committed.
    except Exception:  # noqa: BLE001
        return


def notify_call_on_commit(*, workspace_id: int, payload: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _send(workspace_id, payload))
