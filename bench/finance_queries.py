"""The finance dashboard's queries on one million ledger entries (PostgreSQL), p50/p95.

Rows are generated in the database (generate_series) across 90 days, 40 pipelines,
25 numbers and 6 models. Each dashboard grouping over the last 30 days is timed 20 times;
baseline in the same run: a bare COUNT(*) over the same rows. Ends with one JSON line.

    eval "$(scripts/services env)" && uv run python bench/finance_queries.py
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

from django_setup import percentile, setup_postgres

setup_postgres()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from betool import finance  # noqa: E402
from betool.models import LedgerEntry, Workspace  # noqa: E402

ROWS = 1_000_000
RUNS = 20
KINDS = ["call_seconds", "asr_seconds", "tts_characters", "llm_input_tokens", "llm_output_tokens"]


def _fill(workspace: Workspace) -> float:
    began = time.perf_counter()
    kinds = "ARRAY[" + ",".join(f"'{k}'" for k in KINDS) + "]"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO betool_ledgerentry (workspace_id, source, kind, sequence, quantity,
                credits, model_name, pipeline_id, phone_number, is_test, reason,
                occurred_at, created_at)
            SELECT %s, 'call-' || (i / 5), ({kinds})[1 + i %% 5], 1, 30, -1.25,
                   'model-' || (i %% 6), 1 + (i / 5) %% 40,
                   '+1555' || lpad(((i / 5) %% 25)::text, 4, '0'),
                   (i %% 97) = 0, '', now() - ((i %% 90) || ' days')::interval, now()
            FROM generate_series(1, %s) AS i
            """,
            [workspace.pk, ROWS],
        )
        cursor.execute("ANALYZE betool_ledgerentry")
    return time.perf_counter() - began


def _time(fn: object) -> dict[str, float]:
    samples = []
    for _ in range(RUNS):
        began = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append((time.perf_counter() - began) * 1000)
    return {
        "p50_ms": round(percentile(samples, 0.5), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
    }


def main() -> None:
    workspace = Workspace.objects.create(name="bench", slug=f"bench-{time.time_ns()}")
    try:
        fill_s = _fill(workspace)
        end = timezone.localdate()
        filters = finance.UsageFilter(start=end - timedelta(days=29), end=end)
        figures: dict[str, object] = {"rows": ROWS, "fill_s": round(fill_s, 1)}
        baseline = _time(
            lambda: finance._usage_entries(workspace=workspace, filters=filters).count()
        )
        figures["baseline_count"] = baseline
        for group in finance.GroupBy:
            timing = _time(
                lambda group=group: finance.usage_summary(
                    workspace=workspace, filters=filters, group_by=group
                )
            )
            timing["p95_vs_count"] = round(timing["p95_ms"] / max(baseline["p95_ms"], 0.01), 2)
            figures[f"by_{group.value}"] = timing
            print(group.value, timing, flush=True)
    finally:
        LedgerEntry.objects.filter(workspace=workspace).delete()
        workspace.delete()
    print(json.dumps({"bench": "finance_queries", **figures}))


if __name__ == "__main__":
    main()
