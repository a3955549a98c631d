"""Ledger write throughput with N concurrent writers on PostgreSQL.

Each writer applies cumulative usage reports (4 metered lines each) for its own calls,
through the real metering (meter row lock, price lookup, ledger insert). Baseline in the
same run: plain inserts of the same number of ledger rows, one transaction each.
Ends with one JSON line.

    eval "$(scripts/services env)" && uv run python bench/ledger_throughput.py
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

from django_setup import setup_postgres

setup_postgres()

from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from betool.models import LedgerEntry, LedgerKind, UsageMeter, Workspace  # noqa: E402
from voice_models.metering import usage_report_apply  # noqa: E402

REPORTS_PER_WRITER = 120
WRITER_COUNTS = (1, 4, 8, 16)


def _report(workspace: Workspace, run: str, writer: int, n: int) -> None:
    usage_report_apply(
        workspace=workspace,
        source=f"{run}-w{writer}-call-{n // 4}",
        sequence=n % 4 + 1,
        usage={"call_seconds": 15.5 * (n % 4 + 1), "tts_characters": 200 * (n % 4 + 1),
               "llm_tokens": {"m": {"input_tokens": 900 * (n % 4 + 1), "output_tokens": 60}}},
        priced_on=date.today(),
        occurred_at=timezone.now(),
    )  # fmt: skip


def _plain_insert(workspace: Workspace, run: str, writer: int, n: int) -> None:
    for line in range(4):
        LedgerEntry.objects.create(
            workspace=workspace, source=f"plain-{run}-w{writer}-{n}", kind=LedgerKind.CALL_SECONDS,
            sequence=line, quantity=Decimal(1), credits=Decimal("-1.00"),
            occurred_at=timezone.now(),
        )  # fmt: skip


def _run(writers: int, job: object, workspace: Workspace) -> float:
    def work(writer: int) -> None:
        try:
            for n in range(REPORTS_PER_WRITER):
                job(workspace, str(writers), writer, n)  # type: ignore[operator]
        finally:
            connections.close_all()

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=writers) as pool:
        list(pool.map(work, range(writers)))
    return time.perf_counter() - began


def main() -> None:
    workspace = Workspace.objects.create(name="bench", slug=f"bench-{time.time_ns()}")
    figures: dict[str, object] = {"reports_per_writer": REPORTS_PER_WRITER}
    try:
        for writers in WRITER_COUNTS:
            metered_s = _run(writers, _report, workspace)
            plain_s = _run(writers, _plain_insert, workspace)
            reports = writers * REPORTS_PER_WRITER
            figures[f"writers_{writers}"] = {
                "reports_per_s": round(reports / metered_s, 1),
                "ledger_lines_per_s": round(reports * 4 / metered_s, 1),
                "plain_inserts_per_s": round(reports * 4 / plain_s, 1),
                "metered_cost_vs_plain_insert": round(metered_s / plain_s, 2),
            }
            print(writers, "writers:", figures[f"writers_{writers}"], flush=True)
    finally:
        LedgerEntry.objects.filter(workspace=workspace).delete()
        UsageMeter.objects.filter(workspace=workspace).delete()
        workspace.delete()
    print(json.dumps({"bench": "ledger_throughput", **figures}))


if __name__ == "__main__":
    main()
