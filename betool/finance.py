"""Finance reads of the ledger: credits by day, pipeline, number, model and call.

Every figure is summed from ledger entries in the database, so the dashboard, its CSV
export and the ledger can never disagree. Usage credits are shown as positive amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.apps import apps
from django.db.models import Count, DecimalField, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

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


def _pipeline_names(ids: set[int]) -> dict[int, str]:
    # Looked up through the app registry: the core does not import the pipelines app.
    pipeline = apps.get_model("pipelines", "Pipeline")
    return dict(pipeline.objects.filter(pk__in=ids).values_list("pk", "name"))


_CALL_SOURCE = "call-"


def _callers(sources: set[str]) -> dict[str, str]:
    """The caller of each real call among ``sources`` ("call-<id>"), by source."""
    ids = {s.removeprefix(_CALL_SOURCE) for s in sources if s.startswith(_CALL_SOURCE)}
    call = apps.get_model("telephony", "Call")
    rows = call.objects.filter(pk__in=[i for i in ids if i.isdigit()])
    return {
        f"{_CALL_SOURCE}{pk}": caller
        for pk, caller in rows.values_list("pk", "from_number")
        if caller
    }


def _call_label(row: dict[str, Any], callers: dict[str, str]) -> str:
    """A call as finance knows it: who called, which number, when ("+1555… → +1555…, …")."""
    caller = callers.get(row["source"], "")
    number = row["number"] or "a test"
    when = row["first_at"]
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


def usage_summary(
    *, workspace: Workspace, filters: UsageFilter, group_by: GroupBy
) -> list[UsageRow]:
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
            # A model's calls are the calls that used it (call time has no model).
            calls=Count("source", distinct=True)
            if group_by == GroupBy.MODEL
            else Count("source", filter=Q(kind=LedgerKind.CALL_SECONDS), distinct=True),
            **(
                {"first_at": Min("occurred_at"), "number": Max("phone_number")}
                if group_by == GroupBy.CALL
                else {}
            ),
        )
        .order_by(group_field)
    )
    rows = list(rows)
    callers = _callers({r["source"] for r in rows}) if group_by == GroupBy.CALL else {}
    names = (
        _pipeline_names({r["pipeline_id"] for r in rows if r["pipeline_id"]})
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
    if group_by != GroupBy.DAY:
        result.sort(key=lambda r: r.total, reverse=True)
    return result


def usage_totals(rows: list[UsageRow]) -> dict[str, Any]:
    total = UsageRow(key="total", label="Total")
    for row in rows:
        total.call_seconds += row.call_seconds
        total.calls += row.calls
        total.total += row.total
        for column, credits in row.credits.items():
            total.credits[column] = total.credits.get(column, ZERO) + credits
    return total.as_dict()
