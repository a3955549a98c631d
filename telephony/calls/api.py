"""The call monitor's API: the history of calls with filters, and one call in full
(lifecycle, transcript with per-turn latencies and trace, tool events, usage, cost)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from betool.access import require
from betool.async_views import off_the_loop
from betool.errors import ApiError, CoreErrorCode, forbidden
from betool.input_limits import MAX_DB_INT
from betool.roles import Permission
from pipelines.flow_tests.spec import ScenarioDocument
from telephony.after_call.analysis import call_analysis_request
from telephony.calls.export import MAX_ROWS, calls_csv
from telephony.calls.history import (
    CallFilter,
    call_analysis,
    call_cost,
    call_history,
    call_in_workspace,
    call_pipeline,
)
from telephony.calls.scenarios import call_to_scenario
from telephony.errors import TelephonyErrorCode
from telephony.models import (
    AnalysisStatus,
    Call,
    CallChannel,
    CallDirection,
    CallEventKind,
    CallStatus,
)

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
    outcome: str = Field(default="", max_length=60)
    analysis_status: AnalysisStatus | None = None
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class CallSummaryOut(Schema):
    id: int
    direction: CallDirection
    status: CallStatus
    end_reason: str
    end_reason_label: str
    refusal_reason: str
    from_number: str
    to_number: str
    number: str | None
    pipeline_id: int | None
    pipeline_name: str
    pipeline_version: int | None
    is_test: bool
    channel: CallChannel
    # The member who ran a browser test ("" for a phone call).
    tester: str
    created_at: datetime
    connected_at: datetime | None
    ended_at: datetime | None
    duration_s: float | None
    outcome: str | None
    analysis_status: AnalysisStatus | None


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
    # Milliseconds by stage (engine_total_ms, tts_first_audio_ms, end_to_end_ms...).
    latencies: dict[str, float | None]
    trace: dict[str, Any]
    started_at: datetime


class EventOut(Schema):
    kind: CallEventKind
    name: str
    data: dict[str, Any]
    occurred_at: datetime


class CostLineOut(Schema):
    kind: str
    label: str
    quantity: Decimal
    credits: Decimal


class AnalysisOut(Schema):
    status: AnalysisStatus
    run: int
    summary: str
    outcome: str
    fields: dict[str, str | int | float | bool | None]
    error: str
    model_name: str
    input_tokens: int
    output_tokens: int
    requested_at: datetime
    finished_at: datetime | None


class CallDetailOut(CallSummaryOut):
    room_name: str
    transfer_target: str
    transfer_summary: str
    # Outbound calls screened for voicemail: person / machine / unknown ("" when not screened).
    answered_by: str
    answered_by_evidence: dict[str, Any]
    lifecycle: LifecycleOut
    turns: list[TurnOut]
    events: list[EventOut]
    usage: dict[str, Any]
    cost: list[CostLineOut]
    total_credits: Decimal
    analysis: AnalysisOut | None


def _summary(call: Call) -> dict[str, Any]:
    pipeline_id, pipeline_name, version = call_pipeline(call)
    analysis = call_analysis(call)
    return {
        "id": call.pk,
        "direction": call.direction,
        "status": call.status,
        "end_reason": call.end_reason,
        "end_reason_label": call.get_end_reason_display() if call.end_reason else "",
        "refusal_reason": call.refusal_reason,
        "from_number": call.from_number,
        "to_number": call.to_number,
        "number": call.number.e164 if call.number is not None else None,
        "pipeline_id": pipeline_id,
        "pipeline_name": pipeline_name,
        "pipeline_version": version,
        "is_test": call.is_test,
        "channel": call.channel,
        "tester": call.started_by.username if call.started_by is not None else "",
        "created_at": call.created_at,
        "connected_at": call.connected_at,
        "ended_at": call.ended_at,
        "duration_s": call.duration_s,
        "outcome": (analysis.outcome or None) if analysis else None,
        "analysis_status": analysis.status if analysis else None,
    }


def _detail(call: Call) -> dict[str, Any]:
    cost = call_cost(call)
    return {
        **_summary(call),
        "room_name": call.room_name,
        "transfer_target": call.transfer_target,
        "transfer_summary": call.transfer_summary,
        "answered_by": call.answered_by,
        "answered_by_evidence": call.answered_by_evidence,
        "lifecycle": {name: getattr(call, name) for name in LifecycleOut.model_fields},
        "turns": list(call.turns.all()),
        "events": list(call.events.all()),
        "usage": call.usage,
        "cost": cost,
        "total_credits": sum((line["credits"] for line in cost), Decimal("0.00")),
        "analysis": call_analysis(call),
    }


@router.get("/calls", response=CallPageOut)
async def calls_list(request: HttpRequest, query: Query[CallListQuery]) -> dict[str, Any]:
    """The workspace's calls, newest first, filtered and paginated."""
    actor = require(request, Permission.CALLS_VIEW)
    filters = _filters(query)
    return await off_the_loop(_call_page, actor.workspace, filters, query.offset, query.limit)


def _call_page(workspace: Any, filters: CallFilter, offset: int, limit: int) -> dict[str, Any]:
    calls = call_history(workspace=workspace, filters=filters)
    page = calls[offset : offset + limit]
    return {
        "items": [_summary(call) for call in page],
        "total": calls.count(),
        "limit": limit,
        "offset": offset,
    }


def _filters(query: CallListQuery) -> CallFilter:
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ApiError(
            CoreErrorCode.INVALID_INPUT,
            "The start date must be on or before the end date.",
            status=422,
        )
    return CallFilter(
        number=query.number.strip(),
        pipeline_id=query.pipeline_id,
        status=query.status or "",
        live=query.live,
        direction=query.direction or "",
        date_from=query.date_from,
        date_to=query.date_to,
        is_test=query.is_test,
        outcome=query.outcome.strip(),
        analysis_status=query.analysis_status or "",
    )


@router.get("/calls.csv")
def calls_export(request: HttpRequest, query: Query[CallListQuery]) -> HttpResponse:
    """The filtered calls as CSV (newest first), with their analysis and extracted fields."""
    actor = require(request, Permission.CALLS_VIEW)
    calls = call_history(workspace=actor.workspace, filters=_filters(query))
    response = HttpResponse(calls_csv(calls[:MAX_ROWS]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="calls.csv"'
    return response


@router.post("/calls/{call_id}/analysis", response={202: AnalysisOut})
def call_analysis_rerun(request: HttpRequest, call_id: int) -> Status[Any]:
    """Runs the call's analysis again, with the pipeline's current analysis settings of the
    version it ran (billed again)."""
    actor = require(request, Permission.CALLS_VIEW)
    if not (actor.can(Permission.PIPELINES_EDIT) or actor.can(Permission.CALLS_PLACE)):
        raise forbidden("Your role may read calls, not analyse them again.")
    call = call_in_workspace(workspace=actor.workspace, call_id=call_id)
    if call.status != CallStatus.ENDED:
        raise ApiError(TelephonyErrorCode.CALL_NOT_ENDED, "The call is still going on.", status=409)
    analysis = call_analysis_request(call=call, rerun=True)
    if analysis is None:
        raise ApiError(
            TelephonyErrorCode.NO_ANALYSIS,
            "The pipeline this call ran has no analysis settings.",
            status=409,
        )
    return Status(202, analysis)


@router.get("/calls/{call_id}", response=CallDetailOut)
def call_detail(request: HttpRequest, call_id: int) -> dict[str, Any]:
    actor = require(request, Permission.CALLS_VIEW)
    return _detail(call_in_workspace(workspace=actor.workspace, call_id=call_id))


class CallScenarioOut(Schema):
    pipeline_id: int
    pipeline_name: str
    scenario: ScenarioDocument


@router.post("/calls/{call_id}/scenario", response={201: CallScenarioOut})
def call_scenario(request: HttpRequest, call_id: int) -> Status[dict[str, Any]]:
    """Adds a scenario made of this call to its pipeline's tests."""
    actor = require(request, Permission.CALLS_VIEW).require(Permission.PIPELINES_EDIT)
    call = call_in_workspace(workspace=actor.workspace, call_id=call_id)
    pipeline, scenario = call_to_scenario(call=call, user=actor.user)
    return Status(
        201, {"pipeline_id": pipeline.pk, "pipeline_name": pipeline.name, "scenario": scenario}
    )
