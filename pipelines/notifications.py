"""Pushes to open editors and test sessions, sent after the transaction commits."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def pipeline_group(pipeline_id: int) -> str:
    return f"pipeline.{pipeline_id}"


def _send_draft_saved(pipeline_id: int, revision: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        pipeline_group(pipeline_id), {"type": "draft.saved", "revision": revision}
    )


def notify_draft_saved_on_commit(*, pipeline_id: int, revision: int) -> None:
    transaction.on_commit(lambda: _send_draft_saved(pipeline_id, revision))
