"""200 calls report usage at once on PostgreSQL, each report duplicated and out of order:
every call is billed exactly the price of its final usage, to the credit, once."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Count, Sum
from django.utils import timezone

from betool.models import LedgerEntry, LedgerKind, UsageMeter, Workspace
from voice_models.metering import usage_report_apply
from voice_models.pricing import DEFAULT_RATES, credits_for

pytestmark = pytest.mark.django_db(transaction=True)
CALLS = 200
REPORTS_PER_CALL = 4
COPIES = 2
WORKERS = 12


def _usage(call: int, report: int) -> dict[str, object]:
    # Cumulative usage after ``report`` intervals; seconds carry fractions on purpose.
    return {
        "call_seconds": round(report * (14.37 + call % 11), 3),
        "tts_characters": report * (120 + call),
        "llm_tokens": {"gpt-4o-mini": {"input_tokens": report * 900 + call,
                                       "output_tokens": report * 70}},
    }  # fmt: skip


def _expected(call: int) -> Decimal:
    final = _usage(call, REPORTS_PER_CALL)
    tokens = final["llm_tokens"]["gpt-4o-mini"]  # type: ignore[index]
    parts = [
        (LedgerKind.CALL_SECONDS, final["call_seconds"]),
        (LedgerKind.TTS_CHARACTERS, final["tts_characters"]),
        (LedgerKind.LLM_INPUT_TOKENS, tokens["input_tokens"]),
        (LedgerKind.LLM_OUTPUT_TOKENS, tokens["output_tokens"]),
    ]
    return sum(
        (credits_for(kind, Decimal(str(q)), DEFAULT_RATES[kind]) for kind, q in parts),
        Decimal(0),
    )


def test_parallel_duplicated_reordered_reports_bill_exactly_once() -> None:
    assert connection.vendor == "postgresql"
    workspace = Workspace.objects.create(name="Load", slug="load")
    jobs = [
        (call, report)
        for call in range(CALLS)
        for report in range(1, REPORTS_PER_CALL + 1)
        for _copy in range(COPIES)
    ]
    random.Random(2026).shuffle(jobs)
    now, today = timezone.now(), date.today()

    def apply(job: tuple[int, int]) -> None:
        call, report = job
        try:
            usage_report_apply(
                workspace=workspace,
                source=f"call-{call}",
                sequence=report,
                usage=_usage(call, report),
                priced_on=today,
                occurred_at=now,
            )
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(apply, jobs))

    spent = dict(
        LedgerEntry.objects.filter(workspace=workspace)
        .values_list("source")
        .annotate(total=Sum("credits"))
    )
    for call in range(CALLS):
        assert -spent[f"call-{call}"] == _expected(call), call
    grand_total = -LedgerEntry.objects.filter(workspace=workspace).aggregate(s=Sum("credits"))["s"]
    assert grand_total == sum((_expected(c) for c in range(CALLS)), Decimal(0))

    duplicates = (
        LedgerEntry.objects.filter(workspace=workspace)
        .values("source", "kind", "model_name", "sequence")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    steps = UsageMeter.objects.filter(workspace=workspace).aggregate(s=Sum("steps"))["s"]
    assert steps == LedgerEntry.objects.filter(workspace=workspace).count()
