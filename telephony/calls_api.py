"""The call monitor's API: the history of calls with filters, and one call in full
(lifecycle, transcript with per-turn latencies and trace, tool events, usage, cost)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from betool.access import require
from betool.errors import ApiError, CoreErrorCode
from betool.input_limits import MAX_DB_INT
from betool.roles import Permission
from telephony.call_history import (
    CallFilter,
    call_cost,
    call_history,
    call_in_workspace,
    call_pipeline,
)
from telephony.models import Call, CallDirection, CallStatus

router = Router(tags=["calls"])
MAX_PAGE = 200
MAX_OFFSET = 10**9
# Calls exist between these dates; outside them a filter is a typo (0392 for 2392).
EARLIEST = date(2000, 1, 1)
LATEST = date(9998, 12, 31)


class CallListQuery(Schema):
    number: str = Field(default="", max_length=40)
    pipeline_id: int | None = Field(default=None, ge=1, le=MAX_DB_INT)
    status: CallStatus | None = None
    live: bool | None = None
    direction: CallDirection | None = None
    date_from: date | None = Field(default=None, ge=EARLIEST, le=LATEST)
    date_to: date | None = Field(default=None, ge=EARLIEST, le=LATEST)
    is_test: bool | None = None
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class CallSummaryOut(Schema):
    id: int
    direction: str
    status: str
    end_reason: str
    end_reason_label: str
    from_number: str
    to_number: str
    number: str | None
    pipeline_id: int | None
    pipeline_name: str
    pipeline_version: int | None
    is_test: bool
    created_at: datetime
    connected_at: datetime | None
    ended_at: datetime | None
    duration_s: float | None


class CallPageOut(Schema):
    items: list[CallSummaryOut]
    total: int
    limit: int
    offset: int


class LifecycleOut(Schema):
    ringing_at: datetime | None
    connected_at: datetime | None
    active_at: datetime | None
    on_hold_at: datetime | None
    transferred_at: datetime | None
    ended_at: datetime | None


class TurnOut(Schema):
    sequence: int
    user_text: str
    agent_text: str
    interrupted: bool
    reason: str
    fallback: bool
    latencies: dict[str, Any]
    trace: dict[str, Any]
    started_at: datetime


class EventOut(Schema):
    kind: str
    name: str
    data: dict[str, Any]
    occurred_at: datetime


class CostLineOut(Schema):
    kind: str
    label: str
    quantity: Decimal
    credits: Decimal


class CallDetailOut(CallSummaryOut):
    room_name: str
    transfer_target: str
    lifecycle: LifecycleOut
    turns: list[TurnOut]
    events: list[EventOut]
    usage: dict[str, Any]
    cost: list[CostLineOut]
    total_credits: Decimal


def _summary(call: Call) -> dict[str, Any]:
    pipeline_id, pipeline_name, version = call_pipeline(call)
    return {
        "id": call.pk,
        "direction": call.direction,
        "status": call.status,
        "end_reason": call.end_reason,
        "end_reason_label": call.get_end_reason_display() if call.end_reason else "",
        "from_number": call.from_number,
        "to_number": call.to_number,
        "number": call.number.e164 if call.number is not None else None,
        "pipeline_id": pipeline_id,
        "pipeline_name": pipeline_name,
        "pipeline_version": version,
        "is_test": call.is_test,
        "created_at": call.created_at,
        "connected_at": call.connected_at,
        "ended_at": call.ended_at,
        "duration_s": call.duration_s,
    }


def _detail(call: Call) -> dict[str, Any]:
    cost = call_cost(call)
    return {
        **_summary(call),
        "room_name": call.room_name,
        "transfer_target": call.transfer_target,
        "lifecycle": {name: getattr(call, name) for name in LifecycleOut.model_fields},
        "turns": list(call.turns.all()),
        "events": list(call.events.all()),
        "usage": call.usage,
        "cost": cost,
        "total_credits": sum((line["credits"] for line in cost), Decimal("0.00")),
    }


@router.get("/calls", response=CallPageOut)
def calls_list(request: HttpRequest, query: Query[CallListQuery]) -> dict[str, Any]:
    """The workspace's calls, newest first, filtered and paginated."""
    actor = require(request, Permission.CALLS_VIEW)
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ApiError(
            CoreErrorCode.INVALID_INPUT,
            "The start date must be on or before the end date.",
            status=422,
        )
    filters = CallFilter(
        number=query.number.strip(),
        pipeline_id=query.pipeline_id,
        status=query.status or "",
        live=query.live,
        direction=query.direction or "",
        date_from=query.date_from,
        date_to=query.date_to,
        is_test=query.is_test,
    )
    calls = call_history(workspace=actor.workspace, filters=filters)
    page = calls[query.offset : query.offset + query.limit]
    return {
        "items": [_summary(call) for call in page],
        "total": calls.count(),
        "limit": query.limit,
        "offset": query.offset,
    }


@router.get("/calls/{call_id}", response=CallDetailOut)
def call_detail(request: HttpRequest, call_id: int) -> dict[str, Any]:
    actor = require(request, Permission.CALLS_VIEW)
    return _detail(call_in_workspace(workspace=actor.workspace, call_id=call_id))
