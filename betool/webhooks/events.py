"""The events betool sends, and the one schema of their bodies.

Every delivery's body is an envelope ``{id, type, timestamp, workspace, data}``; ``data``'s
shape depends on ``type``. The models below are the contract: a payload is validated
against them before it is stored, and ``payload_json_schema()`` is what
``docs/webhooks.schema.json`` and ``GET /api/webhooks/schema`` publish.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class EventType(StrEnum):
    CALL_STARTED = "call.started"
    CALL_ENDED = "call.ended"
    CALL_ANALYZED = "call.analyzed"
    RECORDING_READY = "recording.ready"
    CREDITS_LOW = "credits.low"
    PIPELINE_PUBLISHED = "pipeline.published"


EVENT_DESCRIPTIONS: dict[EventType, str] = {
    EventType.CALL_STARTED: "A call began ringing (inbound, outbound or a voice test).",
    EventType.CALL_ENDED: "A call ended, with its reason and duration.",
    EventType.CALL_ANALYZED: "The post-call analysis finished (summary, outcome, fields).",
    EventType.RECORDING_READY: "A call's recording is stored and can be downloaded.",
    EventType.CREDITS_LOW: "The workspace's balance fell under its low-balance threshold.",
    EventType.PIPELINE_PUBLISHED: "A pipeline got a new published version.",
}


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkspaceRef(_Data):
    id: int
    slug: str


class CallData(_Data):
    call_id: int
    direction: Literal["inbound", "outbound"]
    status: str
    from_number: str
    to_number: str
    pipeline_id: int | None
    pipeline_version: int | None
    is_test: bool
    created_at: datetime
    connected_at: datetime | None
    ended_at: datetime | None
    end_reason: str = Field(description="Empty until the call ends.")
    duration_s: float | None = Field(description="From the answer to the end; null if never.")


class AnalysisData(_Data):
    call_id: int
    status: Literal["succeeded", "failed"]
    summary: str
    outcome: str | None
    fields: dict[str, Any] = Field(description="Typed as the pipeline's analysis schema says.")
    error: str = Field(description="Why the analysis failed; empty when it succeeded.")


class RecordingData(_Data):
    call_id: int
    duration_s: float
    channels: int
    content_type: str
    download_path: str = Field(description="API path; needs a member's session or token.")


class CreditsLowData(_Data):
    balance: str = Field(description="Decimal credits, as text.")
    threshold: str


class PipelinePublishedData(_Data):
    pipeline_id: int
    pipeline_name: str
    version: int
    note: str
    author: str | None


class _Envelope(_Data):
    id: str = Field(description="The webhook-id header; the same on every retry.")
    timestamp: datetime
    workspace: WorkspaceRef


class CallStartedEvent(_Envelope):
    """A call began ringing (inbound, outbound or a voice test)."""

    type: Literal["call.started"]
    data: CallData


class CallEndedEvent(_Envelope):
    """A call ended, with its reason and duration."""

    type: Literal["call.ended"]
    data: CallData


class CallAnalyzedEvent(_Envelope):
    """The post-call analysis finished (summary, outcome, fields) or failed (error)."""

    type: Literal["call.analyzed"]
    data: AnalysisData


class RecordingReadyEvent(_Envelope):
    """A call's recording is stored and can be downloaded."""

    type: Literal["recording.ready"]
    data: RecordingData


class CreditsLowEvent(_Envelope):
    """The workspace's balance fell under its low-balance threshold."""

    type: Literal["credits.low"]
    data: CreditsLowData


class PipelinePublishedEvent(_Envelope):
    """A pipeline got a new published version."""

    type: Literal["pipeline.published"]
    data: PipelinePublishedData


EVENT_MODELS: dict[EventType, type[_Envelope]] = {
    EventType.CALL_STARTED: CallStartedEvent,
    EventType.CALL_ENDED: CallEndedEvent,
    EventType.CALL_ANALYZED: CallAnalyzedEvent,
    EventType.RECORDING_READY: RecordingReadyEvent,
    EventType.CREDITS_LOW: CreditsLowEvent,
    EventType.PIPELINE_PUBLISHED: PipelinePublishedEvent,
}
AnyEvent = Annotated[
    CallStartedEvent
    | CallEndedEvent
    | CallAnalyzedEvent
    | RecordingReadyEvent
    | CreditsLowEvent
    | PipelinePublishedEvent,
    Field(discriminator="type"),
]
_ANY_EVENT: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


def event_body(
    *, event: EventType, message_id: str, timestamp: datetime, workspace: WorkspaceRef, data: Any
) -> dict[str, Any]:
    """The envelope as JSON, validated: a payload that breaks the contract raises here,
    where it is made, not at the receiver."""
    if isinstance(data, BaseModel):
        data = data.model_dump()
    model = _ANY_EVENT.validate_python(
        {
            "id": message_id,
            "type": event.value,
            "timestamp": timestamp,
            "workspace": workspace.model_dump(),
            "data": data,
        }
    )
    body: dict[str, Any] = model.model_dump(mode="json")
    return body


def validate_event_body(body: object) -> None:
    """Raises ``pydantic.ValidationError`` when ``body`` is not one of the events."""
    _ANY_EVENT.validate_python(body)


def payload_json_schema() -> dict[str, Any]:
    schema: dict[str, Any] = _ANY_EVENT.json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://betool.invalid/schemas/webhooks.json",
        "title": "betool webhook event",
        "description": (
            "The JSON body of every webhook delivery. Headers: webhook-id, webhook-timestamp "
            "(Unix seconds) and webhook-signature ('v1,' + base64 HMAC-SHA256 of "
            "'{webhook-id}.{webhook-timestamp}.{body}' with the endpoint's secret, the bytes "
            "after 'whsec_' base64-decoded), as Standard Webhooks specifies. Refuse a "
            "timestamp more than 5 minutes from your clock."
        ),
        **schema,
    }
