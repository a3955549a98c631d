"""Finance reads of the ledger: credits by day, pipeline, number, model and call.

Every figure is summed from ledger entries in the database, so the dashboard, its CSV
export and the ledger can never disagree. On PostgreSQL they are read from the daily and
by-call rollups up to their watermark plus the ledger's raw tail after it
(``betool.usage_rollup``, ``betool.finance_sql``); elsewhere, or with ``from_ledger``, from
the ledger's entries directly. Both count a call once, by its first call-time step, so call
counts add up across days and groups (see ``betool.usage_rollup``). Usage credits are shown
as positive amounts. Rows come by credits, most first; by day, in date order; by call, newest
first by each call's start (its first usage entry), which pages along an index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import (
    Count,
    DecimalField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from betool import finance_calls_sql, finance_campaigns_sql, finance_sql, usage_rollup
from betool.finance_labels import call_campaigns, caller_numbers, pipeline_names
from betool.models import LedgerEntry, LedgerKind, Workspace

ZERO = Decimal("0.00")
# Every figure is given with a fixed number of decimals per column (the CSV is read by
# spreadsheets and people alike): credits and minutes to the hundredth.
CENT = Decimal("0.01")
USAGE_KINDS = [
    LedgerKind.CALL_SECONDS,
    LedgerKind.ASR_SECONDS,
    LedgerKind.TTS_CHARACTERS,
    LedgerKind.LLM_INPUT_TOKENS,
    LedgerKind.LLM_OUTPUT_TOKENS,
]
# The dashboard's columns: call time, speech recognition, speech synthesis, language models.
COLUMNS: dict[str, list[LedgerKind]] = {
    "call": [LedgerKind.CALL_SECONDS],
    "asr": [LedgerKind.ASR_SECONDS],
    "tts": [LedgerKind.TTS_CHARACTERS],
    "llm": [LedgerKind.LLM_INPUT_TOKENS, LedgerKind.LLM_OUTPUT_TOKENS],
}


class GroupBy(StrEnum):
    DAY = "day"
    PIPELINE = "pipeline"
    NUMBER = "number"
    MODEL = "model"
    CALL = "call"
    # The calls a campaign placed (read through the view by call).
    CAMPAIGN = "campaign"


_GROUP_FIELD = {
    GroupBy.DAY: "day",
    GroupBy.PIPELINE: "pipeline_id",
    GroupBy.NUMBER: "phone_number",
    GroupBy.MODEL: "model_name",
    GroupBy.CALL: "source",
}


@dataclass(frozen=True, slots=True)
class UsageFilter:
    start: date
    end: date  # inclusive
    include_test: bool = False
    only_test: bool = False
    pipeline_id: int | None = None
    phone_number: str = ""
    model_name: str = ""


@dataclass(slots=True)
class UsageRow:
    key: str
    label: str
    call_seconds: Decimal = ZERO
    credits: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = ZERO
    calls: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "calls": self.calls,
            "call_minutes": (self.call_seconds / 60).quantize(CENT),
            **{
                f"{column}_credits": self.credits.get(column, ZERO).quantize(CENT)
                for column in COLUMNS
            },
            "total_credits": self.total.quantize(CENT),
        }


def _usage_entries(*, workspace: Workspace, filters: UsageFilter) -> QuerySet[LedgerEntry]:
    start = timezone.make_aware(datetime.combine(filters.start, time.min))
    end = timezone.make_aware(datetime.combine(filters.end + timedelta(days=1), time.min))
    queryset = LedgerEntry.objects.filter(
        workspace=workspace, kind__in=USAGE_KINDS, occurred_at__gte=start, occurred_at__lt=end
    )
    if filters.only_test:
        queryset = queryset.filter(is_test=True)
    elif not filters.include_test:
        queryset = queryset.filter(is_test=False)
    if filters.pipeline_id is not None:
        queryset = queryset.filter(pipeline_id=filters.pipeline_id)
    if filters.phone_number:
        queryset = queryset.filter(phone_number=filters.phone_number)
    if filters.model_name:
        queryset = queryset.filter(model_name=filters.model_name)
    return queryset


def _spent(kinds: list[LedgerKind]) -> Any:
    # Usage entries are negative in the ledger; finance reads spending as positive.
    return Coalesce(
        -Sum("credits", filter=Q(kind__in=kinds)),
        Value(ZERO),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )


def _call_label(row: dict[str, Any], callers: dict[str, str]) -> str:
    """A call as finance knows it: who called, which number, when ("+1555… → +1555…, …")."""
    caller = callers.get(row["source"], "")
    number = row["number"] or "a test"
    when = row["started_at"]
    moment = timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else ""
    who = f"{caller} → {number}" if caller else f"Call to {number}"
    return f"{who}, {moment}" if moment else who


def _label(group: GroupBy, key: Any, names: dict[int, str]) -> str:
    if group == GroupBy.PIPELINE:
        return names.get(key, f"Deleted pipeline #{key}") if key else "No pipeline"
    if group == GroupBy.NUMBER:
        return key or "No number (tests)"
    if group == GroupBy.MODEL:
        return key or "Call time"
    return str(key)


@dataclass(frozen=True, slots=True)
class UsagePage:
    rows: list[UsageRow]
    groups: int  # the rows of every page
    totals: dict[str, Any]  # of every page (as ``usage_totals``)


def usage_summary(
    *,
    workspace: Workspace,
    filters: UsageFilter,
    group_by: GroupBy,
    from_ledger: bool = False,
) -> list[UsageRow]:
    """Every row of the grouping, sorted as the dashboard shows them."""
    return _summary(
        workspace=workspace, filters=filters, group_by=group_by, from_ledger=from_ledger
    ).rows


def usage_page(
    *,
    workspace: Workspace,
    filters: UsageFilter,
    group_by: GroupBy,
    offset: int,
    limit: int,
    from_ledger: bool = False,
) -> UsagePage:
    """One page of the grouping's rows (the view by call of a year has many), with the
    number of rows and the totals of all of them."""
    return _summary(
        workspace=workspace,
        filters=filters,
        group_by=group_by,
        offset=offset,
        limit=limit,
        from_ledger=from_ledger,
    )


@dataclass(frozen=True, slots=True)
class _Read:
    rows: list[dict[str, Any]]
    groups: int
    totals: UsageRow


# Reads again when a rollup run moved the watermark during one; runs are a minute apart.
_MARK_RETRIES = 5


_ROLLUP_READS = {
    GroupBy.CALL: finance_calls_sql.call_rows,
    GroupBy.CAMPAIGN: finance_campaigns_sql.campaign_rows,
}


def _rollup_rows(
    *, workspace: Workspace, filters: UsageFilter, group_by: GroupBy, offset: int, limit: int | None
) -> _Read | None:
    """The rows from the rollups and the tail; None while a rollup run keeps moving the
    watermark under the read (then the ledger is the truth)."""
    zone = usage_rollup.rollup_zone()
    tz = ZoneInfo(zone)
    query = finance_sql.RollupQuery(
        workspace_id=workspace.pk,
        group=group_by.value,
        start=filters.start,
        end=filters.end,
        starts_at=datetime.combine(filters.start, time.min, tzinfo=tz),
        ends_before=datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=tz),
        zone=zone,
        tests=True if filters.only_test else (None if filters.include_test else False),
        pipeline_id=filters.pipeline_id,
        phone_number=filters.phone_number,
        model_name=filters.model_name,
        offset=offset,
        limit=limit,
    )
    read_rows = _ROLLUP_READS.get(group_by, finance_sql.usage_rows)
    mark, updated_at = finance_sql.mark_read(zone)
    for _ in range(_MARK_RETRIES):
        read = read_rows(query, mark=mark)
        if read.mark == mark:
            break
        mark = read.mark
    else:
        return None  # still moving (a first rollup over years of entries)
    if updated_at is None or timezone.now() - updated_at > ROLLUP_STALE_AFTER:
        _ask_for_a_rollup()
    totals = UsageRow(key="total", label="Total")
    if read.totals is not None:
        totals.call_seconds = read.totals["call_seconds"]
        totals.calls = read.totals["calls"]
        totals.total = read.totals["total_credits"]
        totals.credits = {column: read.totals[f"{column}_credits"] for column in COLUMNS}
    return _Read(rows=read.rows, groups=read.groups, totals=totals)


# The tail is read raw; when the beat has not moved it for a while, a read asks for a run.
ROLLUP_STALE_AFTER = timedelta(minutes=5)


_asked_at = 0.0  # when this process last asked (monotonic seconds)


def _ask_for_a_rollup() -> None:
    """Asks the metering queue for a rollup run, at most once per staleness period: reads go
    on at full speed while the beat is down, and the queue gets no flood of asks."""
    global _asked_at
    now = monotonic()
    if _asked_at and now - _asked_at < ROLLUP_STALE_AFTER.total_seconds():
        return
    _asked_at = now
    transaction.on_commit(_schedule_rollup)


def _schedule_rollup() -> None:
    from betool.tasks import usage_rollup_advance

    usage_rollup_advance.delay()


def _summary(
    *,
    workspace: Workspace,
    filters: UsageFilter,
    group_by: GroupBy,
    offset: int = 0,
    limit: int | None = None,
    from_ledger: bool,
) -> UsagePage:
    # The by-call rollup has no model: calls (and campaigns) filtered by one are read from
    # the ledger.
    by_model_call = group_by in (GroupBy.CALL, GroupBy.CAMPAIGN) and bool(filters.model_name)
    rolled = not (from_ledger or by_model_call or not usage_rollup.rollups_enabled())
    if group_by == GroupBy.CAMPAIGN:
        return _campaign_page(
            workspace=workspace, filters=filters, offset=offset, limit=limit, rolled=rolled
        )
    read = None
    if rolled:
        read = _rollup_rows(
            workspace=workspace, filters=filters, group_by=group_by, offset=offset, limit=limit
        )
    if read is None:
        read = _ledger_rows(
            workspace=workspace, filters=filters, group_by=group_by, offset=offset, limit=limit
        )
    return UsagePage(
        rows=_usage_rows(read.rows, group_by), groups=read.groups, totals=read.totals.as_dict()
    )


def _ledger_rows(
    *, workspace: Workspace, filters: UsageFilter, group_by: GroupBy, offset: int, limit: int | None
) -> _Read:
    queryset = _usage_entries(workspace=workspace, filters=filters)
    if group_by == GroupBy.DAY:
        queryset = queryset.annotate(day=TruncDate("occurred_at"))
    group_field = _GROUP_FIELD[group_by]
    aggregates = {f"{column}_credits": _spent(kinds) for column, kinds in COLUMNS.items()}
    rows = (
        queryset.values(group_field)
        .annotate(
            **aggregates,
            total_credits=_spent(USAGE_KINDS),
            call_seconds=Coalesce(
                Sum("quantity", filter=Q(kind=LedgerKind.CALL_SECONDS)),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=16, decimal_places=3),
            ),
            # A call counts once, by its first call-time step; a model's calls by their
            # first step of that model (call time has no model): sums across groups.
            calls=Count("id", filter=Q(sequence=1, kind__in=usage_rollup.FIRST_USE_KINDS))
            if group_by == GroupBy.MODEL
            else Count("id", filter=Q(sequence=1, kind=LedgerKind.CALL_SECONDS)),
            **({"number": Max("phone_number")} if group_by == GroupBy.CALL else {}),
        )
        .order_by(group_field)
    )
    if group_by == GroupBy.CALL:
        rows = rows.annotate(started_at=_call_start(workspace)).order_by("-started_at", "source")
    rows = list(rows)
    if group_by not in (GroupBy.DAY, GroupBy.CALL):
        rows.sort(key=lambda r: r["total_credits"], reverse=True)
    end = None if limit is None else offset + limit
    every = _usage_rows(rows, group_by, labels=False)
    return _Read(rows=rows[offset:end], groups=len(rows), totals=_sum_rows(every))


def _call_start(workspace: Workspace) -> Subquery:
    """A call's place in the view by call, newest first: its first usage entry, whatever
    the range and filters (as the by-call rollup keeps it)."""
    return Subquery(
        LedgerEntry.objects.filter(
            workspace=workspace, source=OuterRef("source"), kind__in=USAGE_KINDS
        )
        .order_by()
        .values("source")
        .annotate(first=Min("occurred_at"))
        .values("first")
    )


NO_CAMPAIGN = "Not in a campaign"


def _campaign_page(
    *, workspace: Workspace, filters: UsageFilter, offset: int, limit: int | None, rolled: bool
) -> UsagePage:
    """The calls' usage added up by the campaign that placed them (the other calls in one
    row), most credits first: summed in the database from the rollups, or from the view by
    call of the ledger."""
    read = None
    if rolled:
        read = _rollup_rows(
            workspace=workspace, filters=filters, group_by=GroupBy.CAMPAIGN, offset=0, limit=None
        )
    if read is None:
        by_call = _summary(
            workspace=workspace, filters=filters, group_by=GroupBy.CALL, from_ledger=True
        )
        rows, totals = _by_campaign(by_call.rows), by_call.totals
    else:
        rows = [_campaign_row(row) for row in read.rows]
        totals = read.totals.as_dict()
    rows.sort(key=lambda r: (r.key == "", -r.total, r.label, int(r.key or 0)))
    end = None if limit is None else offset + limit
    return UsagePage(rows=rows[offset:end], groups=len(rows), totals=totals)


def _campaign_row(row: dict[str, Any]) -> UsageRow:
    campaign_id = row["campaign_id"]
    return UsageRow(
        key="" if campaign_id is None else str(campaign_id),
        label=NO_CAMPAIGN if campaign_id is None else row["campaign_name"],
        call_seconds=row["call_seconds"],
        credits={column: row[f"{column}_credits"] for column in COLUMNS},
        total=row["total_credits"],
        calls=row["calls"],
    )


def _by_campaign(by_call: list[UsageRow]) -> list[UsageRow]:
    """The calls' rows added up by the campaign that placed them; the other calls in one row."""
    campaigns = call_campaigns({row.key for row in by_call})
    groups: dict[str, UsageRow] = {}
    for row in by_call:
        campaign_id, name = campaigns.get(row.key, (None, NO_CAMPAIGN))
        key = "" if campaign_id is None else str(campaign_id)
        group = groups.setdefault(key, UsageRow(key=key, label=name))
        merged = _sum_rows([group, row])
        group.call_seconds, group.calls, group.total = (
            merged.call_seconds,
            merged.calls,
            merged.total,
        )
        group.credits = merged.credits
    return list(groups.values())


def _usage_rows(
    rows: list[dict[str, Any]], group_by: GroupBy, *, labels: bool = True
) -> list[UsageRow]:
    group_field = _GROUP_FIELD[group_by]
    callers = (
        caller_numbers({r["source"] for r in rows}) if labels and group_by == GroupBy.CALL else {}
    )
    names = (
        pipeline_names({r["pipeline_id"] for r in rows if r["pipeline_id"]})
        if group_by == GroupBy.PIPELINE
        else {}
    )
    result = []
    for row in rows:
        key = row[group_field]
        result.append(
            UsageRow(
                key="" if key is None else str(key),
                label=_call_label(row, callers)
                if group_by == GroupBy.CALL
                else _label(group_by, key, names),
                call_seconds=row["call_seconds"],
                credits={column: row[f"{column}_credits"] for column in COLUMNS},
                total=row["total_credits"],
                calls=row["calls"],
            )
        )
    return result


def usage_totals(rows: list[UsageRow]) -> dict[str, Any]:
    return _sum_rows(rows).as_dict()


def _sum_rows(rows: list[UsageRow]) -> UsageRow:
    total = UsageRow(key="total", label="Total")
    for row in rows:
        total.call_seconds += row.call_seconds
        total.calls += row.calls
        total.total += row.total
        for column, credits in row.credits.items():
            total.credits[column] = total.credits.get(column, ZERO) + credits
    return total
