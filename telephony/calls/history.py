"""Reads for the call monitor: the filtered history of a workspace's calls, one call with
its turns and events, and what a call cost, summed from the credit ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from betool.models import LedgerEntry, LedgerKind, Workspace
from telephony.calls.billing import call_source
from telephony.models import Call, CallAnalysis, CallStatus


@dataclass(frozen=True, slots=True)
class CallFilter:
    number: str = ""
    pipeline_id: int | None = None
    status: str = ""
    live: bool | None = None
    direction: str = ""
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    is_test: bool | None = None
    outcome: str = ""
    analysis_status: str = ""


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def call_history(*, workspace: Workspace, filters: CallFilter) -> QuerySet[Call]:
    """The workspace's calls that match, newest first."""
    calls = Call.objects.filter(workspace=workspace).select_related(
        "number", "pipeline", "pipeline_version__pipeline", "started_by", "analysis"
    )
    if filters.number:
        calls = calls.filter(
            Q(number__e164__icontains=filters.number)
            | Q(from_number__icontains=filters.number)
            | Q(to_number__icontains=filters.number)
        )
    if filters.pipeline_id is not None:
        calls = calls.filter(
            Q(pipeline_id=filters.pipeline_id)
            | Q(pipeline_version__pipeline_id=filters.pipeline_id)
        )
    if filters.status:
        calls = calls.filter(status=filters.status)
    if filters.live is True:
        calls = calls.exclude(status=CallStatus.ENDED)
    elif filters.live is False:
        calls = calls.filter(status=CallStatus.ENDED)
    if filters.direction:
        calls = calls.filter(direction=filters.direction)
    if filters.date_from is not None:
        calls = calls.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to is not None:
        calls = calls.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.is_test is not None:
        calls = calls.filter(is_test=filters.is_test)
    if filters.outcome:
        calls = calls.filter(analysis__outcome=filters.outcome)
    if filters.analysis_status:
        calls = calls.filter(analysis__status=filters.analysis_status)
    return calls.order_by("-created_at", "-id")


def call_in_workspace(*, workspace: Workspace, call_id: int) -> Call:
    """One call of the workspace, with its turns and events; another workspace's is a 404."""
    call = (
        Call.objects.select_related(
            "number", "pipeline", "pipeline_version__pipeline", "started_by", "analysis"
        )
        .prefetch_related("turns", "events")
        .filter(workspace=workspace, pk=call_id)
        .first()
    )
    if call is None:
        raise Http404(f"Call {call_id} does not exist in this workspace.")
    return call


def call_pipeline(call: Call) -> tuple[int | None, str, int | None]:
    """(pipeline id, name, version number) of what the call ran; a draft test has no number."""
    if call.pipeline_version is not None:
        pipeline = call.pipeline_version.pipeline
        return pipeline.pk, pipeline.name, call.pipeline_version.number
    if call.pipeline is not None:
        return call.pipeline.pk, call.pipeline.name, None
    return None, "", None


def call_analysis(call: Call) -> CallAnalysis | None:
    try:
        return call.analysis
    except CallAnalysis.DoesNotExist:
        return None


def call_cost(call: Call) -> list[dict[str, Any]]:
    """Credits spent per ledger kind (positive amounts) for the call's ledger source and its
    analyses' (each run of the analysis is its own source)."""
    sources = Q(source=call_source(call)) | Q(source__startswith=f"analysis-{call.pk}-")
    rows = (
        LedgerEntry.objects.filter(sources, workspace_id=call.workspace_id)
        .values("kind")
        .annotate(
            credits=Coalesce(
                -Sum("credits"),
                Value(Decimal("0.00")),
                output_field=DecimalField(max_digits=16, decimal_places=2),
            ),
            quantity=Sum("quantity"),
        )
        .order_by("kind")
    )
    labels = dict(LedgerKind.choices)
    return [
        {
            "kind": row["kind"],
            "label": labels.get(row["kind"], row["kind"]),
            "quantity": row["quantity"],
            "credits": row["credits"],
        }
        for row in rows
    ]
