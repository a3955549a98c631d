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
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from betool.models import LedgerEntry, LedgerKind, Workspace

ZERO = Decimal("0.00")
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
            "call_minutes": (self.call_seconds / 60).quantize(Decimal("0.01")),
            **{f"{column}_credits": self.credits.get(column, ZERO) for column in COLUMNS},
            "total_credits": self.total,
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
            calls=Count("source", filter=Q(kind=LedgerKind.CALL_SECONDS), distinct=True),
        )
        .order_by(group_field)
    )
    rows = list(rows)
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
                label=_label(group_by, key, names),
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
