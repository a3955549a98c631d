"""Webhook endpoints, their delivery log, redelivery, and the schema of event bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from betool.access import require
from betool.roles import Permission
from betool.webhooks import selectors, services
from betool.webhooks.events import EVENT_DESCRIPTIONS, EventType, payload_json_schema
from betool.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

router = Router(tags=["webhooks"])


class EventTypeOut(Schema):
    type: EventType
    description: str


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    events: list[str]
    enabled: bool
    consecutive_failures: int
    disabled_reason: str
    disabled_at: datetime | None
    created_at: datetime


class EndpointCreatedOut(EndpointOut):
    secret: str = Field(description="Shown once: keep it to verify the webhook-signature header.")


class SecretOut(Schema):
    secret: str


class EndpointIn(Schema):
    url: str = Field(min_length=1, max_length=500)
    events: list[str] = Field(max_length=len(EventType))
    description: str = Field(default="", max_length=200)


class EndpointPatch(Schema):
    url: str | None = Field(default=None, min_length=1, max_length=500)
    events: list[str] | None = Field(default=None, max_length=len(EventType))
    description: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None


class AttemptOut(Schema):
    number: int
    status_code: int | None
    latency_ms: int
    error: str
    response_excerpt: str
    manual: bool
    attempted_at: datetime


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    message_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_latency_ms: int | None
    last_error: str
    response_excerpt: str
    created_at: datetime
    delivered_at: datetime | None


class DeliveryDetailOut(DeliveryOut):
    payload: dict[str, Any]
    attempt_log: list[AttemptOut]


class PageQuery(Schema):
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    total: int
    limit: int
    offset: int


def _endpoint(request: HttpRequest, endpoint_id: int) -> WebhookEndpoint:
    actor = require(request, Permission.WEBHOOKS_MANAGE)
    return selectors.endpoint_in_workspace(workspace=actor.workspace, endpoint_id=endpoint_id)


def _delivery(request: HttpRequest, delivery_id: int) -> WebhookDelivery:
    actor = require(request, Permission.WEBHOOKS_MANAGE)
    return selectors.delivery_in_workspace(workspace=actor.workspace, delivery_id=delivery_id)


@router.get("/events", response=list[EventTypeOut], auth=None)
def event_types(request: HttpRequest) -> list[EventTypeOut]:
    return [EventTypeOut(type=event, description=EVENT_DESCRIPTIONS[event]) for event in EventType]


@router.get("/schema", response=dict[str, Any], auth=None)
def event_schema(request: HttpRequest) -> dict[str, Any]:
    """The JSON Schema (2020-12) of every delivery's body, and how it is signed."""
    return payload_json_schema()


@router.get("/endpoints", response=list[EndpointOut])
def endpoint_list(request: HttpRequest) -> Any:
    actor = require(request, Permission.WEBHOOKS_MANAGE)
    return selectors.endpoint_list(workspace=actor.workspace)


@router.post("/endpoints", response={201: EndpointCreatedOut})
def endpoint_create(request: HttpRequest, payload: EndpointIn) -> Status[Any]:
    actor = require(request, Permission.WEBHOOKS_MANAGE)
    endpoint, secret = services.endpoint_create(
        workspace=actor.workspace,
        url=payload.url,
        events=payload.events,
        description=payload.description,
    )
    out = EndpointOut.from_orm(endpoint).dict()
    return Status(201, EndpointCreatedOut(**out, secret=secret))


@router.get("/endpoints/{endpoint_id}", response=EndpointOut)
def endpoint_detail(request: HttpRequest, endpoint_id: int) -> Any:
    return _endpoint(request, endpoint_id)


@router.patch("/endpoints/{endpoint_id}", response=EndpointOut)
def endpoint_update(request: HttpRequest, endpoint_id: int, payload: EndpointPatch) -> Any:
    endpoint = _endpoint(request, endpoint_id)
    changes = services.EndpointChanges(**payload.dict(exclude_unset=True))
    return services.endpoint_update(endpoint=endpoint, changes=changes)


@router.delete("/endpoints/{endpoint_id}", response={204: None})
def endpoint_delete(request: HttpRequest, endpoint_id: int) -> Status[None]:
    services.endpoint_delete(endpoint=_endpoint(request, endpoint_id))
    return Status(204, None)


@router.post("/endpoints/{endpoint_id}/secret", response=SecretOut)
def endpoint_secret_rotate(request: HttpRequest, endpoint_id: int) -> SecretOut:
    """A new signing secret, shown once; the old one stops verifying at once."""
    secret = services.endpoint_secret_rotate(endpoint=_endpoint(request, endpoint_id))
    return SecretOut(secret=secret)


@router.get("/endpoints/{endpoint_id}/deliveries", response=DeliveryPage)
def delivery_list(request: HttpRequest, endpoint_id: int, query: Query[PageQuery]) -> DeliveryPage:
    deliveries = selectors.delivery_list(endpoint=_endpoint(request, endpoint_id))
    page = deliveries[query.offset : query.offset + query.limit]
    return DeliveryPage(
        items=[DeliveryOut.from_orm(d) for d in page],
        total=deliveries.count(),
        limit=query.limit,
        offset=query.offset,
    )


@router.get("/deliveries/{delivery_id}", response=DeliveryDetailOut)
def delivery_detail(request: HttpRequest, delivery_id: int) -> Any:
    delivery = _delivery(request, delivery_id)
    out = DeliveryOut.from_orm(delivery).dict()
    attempts = [AttemptOut.from_orm(a) for a in delivery.attempt_log.all()]
    return DeliveryDetailOut(**out, payload=delivery.payload, attempt_log=attempts)


@router.post("/deliveries/{delivery_id}/redeliver", response={202: DeliveryOut})
def delivery_redeliver(request: HttpRequest, delivery_id: int) -> Status[Any]:
    """Sends the event again now, with the same webhook-id and a fresh round of retries."""
    delivery = services.delivery_redeliver(delivery=_delivery(request, delivery_id))
    return Status(202, delivery)
