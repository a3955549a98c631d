"""Credits API for finance: balance, top-ups and adjustments, usage by day, pipeline,
number, model or call, with the very rows of the dashboard as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from betool import finance, selectors, services
from betool.access import require
from betool.async_views import off_the_loop
from betool.errors import ApiError, CoreErrorCode
from betool.models import BalanceAlert, LedgerEntry, LedgerKind
from betool.roles import Permission

router = Router(tags=["credits"])
MAX_RANGE_DAYS = 366
MAX_PAGE_ROWS = 1000


class BalanceOut(Schema):
    balance: Decimal
    low_balance_threshold: Decimal
    low: bool
    open_alert: datetime | None


class CreditIn(Schema):
    credits: Decimal = Field(max_digits=14, decimal_places=2)
    kind: LedgerKind = LedgerKind.TOP_UP
    reason: str = Field(min_length=1, max_length=200)


class LedgerEntryOut(Schema):
    id: int
    kind: str
    credits: Decimal
    reason: str
    occurred_at: datetime
    created_by: str | None = None


class UsageQuery(Schema):
    start: date | None = None
    end: date | None = None
    group_by: finance.GroupBy = finance.GroupBy.DAY
    include_test: bool = False
    only_test: bool = False
    pipeline_id: int | None = None
    phone_number: str = Field(default="", max_length=20)
    model_name: str = Field(default="", max_length=120)
    # A page of the rows (the view by call of a year has many); all of them without a limit.
    offset: int = Field(default=0, ge=0)
    limit: int | None = Field(default=None, ge=1, le=MAX_PAGE_ROWS)


class UsageRowOut(Schema):
    key: str
    label: str
    calls: int
    call_minutes: Decimal
    call_credits: Decimal
    asr_credits: Decimal
    tts_credits: Decimal
    llm_credits: Decimal
    total_credits: Decimal


class UsageOut(Schema):
    start: date
    end: date
    group_by: finance.GroupBy
    rows: list[UsageRowOut]
    groups: int  # the rows of every page
    totals: UsageRowOut


def _filters(query: UsageQuery) -> finance.UsageFilter:
    end = query.end or timezone.localdate()
    start = query.start or end - timedelta(days=29)
    if start > end:
        raise ApiError(CoreErrorCode.INVALID_INPUT, "The start date is after the end date.")
    if (end - start).days > MAX_RANGE_DAYS:
        raise ApiError(CoreErrorCode.INVALID_INPUT, "Choose a range of at most a year.")
    return finance.UsageFilter(
        start=start,
        end=end,
        include_test=query.include_test,
        only_test=query.only_test,
        pipeline_id=query.pipeline_id,
        phone_number=query.phone_number,
        model_name=query.model_name,
    )


def _usage(request: HttpRequest, query: UsageQuery) -> dict[str, Any]:
    actor = require(request, Permission.USAGE_VIEW)
    filters = _filters(query)
    if query.limit is None:
        rows = finance.usage_summary(
            workspace=actor.workspace, filters=filters, group_by=query.group_by
        )
        page = finance.UsagePage(rows=rows, groups=len(rows), totals=finance.usage_totals(rows))
    else:
        page = finance.usage_page(
            workspace=actor.workspace,
            filters=filters,
            group_by=query.group_by,
            offset=query.offset,
            limit=query.limit,
        )
    return {
        "start": filters.start,
        "end": filters.end,
        "group_by": query.group_by.value,
        "rows": [row.as_dict() for row in page.rows],
        "groups": page.groups,
        "totals": page.totals,
    }


def _entry_out(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "credits": entry.credits,
        "reason": entry.reason,
        "occurred_at": entry.occurred_at,
        "created_by": entry.created_by.username if entry.created_by else None,
    }


@router.get("/balance", response=BalanceOut)
async def balance(request: HttpRequest) -> dict[str, Any]:
    return await off_the_loop(_balance, require(request, Permission.USAGE_VIEW).workspace)


def _balance(workspace: Any) -> dict[str, Any]:
    amount = selectors.workspace_balance(workspace=workspace)
    alert = BalanceAlert.objects.filter(workspace=workspace, resolved_at__isnull=True).first()
    return {
        "balance": amount,
        "low_balance_threshold": workspace.low_balance_threshold,
        "low": amount < workspace.low_balance_threshold,
        "open_alert": alert.created_at if alert else None,
    }


@router.get("/entries", response=list[LedgerEntryOut])
def credit_history(request: HttpRequest) -> list[dict[str, Any]]:
    """Top-ups and adjustments, newest first."""
    actor = require(request, Permission.USAGE_VIEW)
    entries = LedgerEntry.objects.filter(
        workspace=actor.workspace, kind__in=[LedgerKind.TOP_UP, LedgerKind.ADJUSTMENT]
    ).select_related("created_by")[:200]
    return [_entry_out(e) for e in entries]


@router.post("/entries", response={201: LedgerEntryOut})
def credit(request: HttpRequest, payload: CreditIn) -> Status[Any]:
    actor = require(request, Permission.BALANCE_MANAGE)
    if payload.kind not in (LedgerKind.TOP_UP, LedgerKind.ADJUSTMENT):
        raise ApiError(CoreErrorCode.INVALID_INPUT, "Only top-ups and adjustments are manual.")
    entry = services.ledger_credit(
        workspace=actor.workspace,
        credits=payload.credits,
        kind=payload.kind,
        reason=payload.reason,
        user=actor.user,
    )
    services.balance_alerts_check(workspace=actor.workspace)
    return Status(201, _entry_out(entry))


@router.get("/usage", response=UsageOut)
def usage(request: HttpRequest, query: Query[UsageQuery]) -> dict[str, Any]:
    return _usage(request, query)


@router.get("/usage.csv")
def usage_csv(request: HttpRequest, query: Query[UsageQuery]) -> HttpResponse:
    """Exactly the rows and totals of ``/usage`` with the same filters."""
    data = _usage(request, query)
    columns = list(UsageRowOut.model_fields)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for row in [*data["rows"], data["totals"]]:
        writer.writerow({column: row[column] for column in columns})
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"betool-usage-{data['group_by']}-{data['start']}-{data['end']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
