"""What telephony tells a workspace's webhook endpoints about its calls."""

from __future__ import annotations

from betool.webhooks.events import CallData, EventType
from betool.webhooks.services import webhook_event_emit
from telephony.calls.history import call_pipeline
from telephony.models import Call


def call_webhook_data(call: Call) -> CallData:
    pipeline_id, _name, version = call_pipeline(call)
    return CallData(
        call_id=call.pk,
        direction=call.direction,
        status=call.status,
        from_number=call.from_number,
        to_number=call.to_number,
        pipeline_id=pipeline_id,
        pipeline_version=version,
        is_test=call.is_test,
        created_at=call.created_at,
        connected_at=call.connected_at,
        ended_at=call.ended_at,
        end_reason=call.end_reason or "",
        duration_s=call.duration_s,
    )


def call_webhook_emit(*, call: Call, event: EventType) -> None:
    webhook_event_emit(workspace_id=call.workspace_id, event=event, data=call_webhook_data(call))
