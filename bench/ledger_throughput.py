"""Metered ledger writes on PostgreSQL: batched set-based metering against the path it replaced.

Calls report cumulative usage (4 metered lines a report). Measured in the same run, on the
same database:

- ``locked_per_report``: the path before batching, one transaction per report that locks the
  call's meters with ``SELECT … FOR UPDATE`` and writes its entries (kept below as the baseline);
- ``upsert_per_report``: today's ``usage_report_apply``, one report per transaction;
- ``batched``: what a worker process sends, ``usage_reports_apply`` on batches of
  ``--batch`` calls' reports (one per call), by ``--writers`` writers at once.

Each figure is metered report lines per second; ``*_vs_locked`` are ratios against the
baseline. Prints the load average with the figures, ends with one JSON line.

    eval "$(scripts/services env)" && uv run python bench/ledger_throughput.py --calls 400
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

from django_setup import setup_postgres

setup_postgres()

from django.db import connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from betool.models import LedgerEntry, UsageMeter, Workspace  # noqa: E402
from voice_models.metering import (  # noqa: E402
    UsageReport,
    usage_lines,
    usage_report_apply,
    usage_reports_apply,
)
from voice_models.pricing import rate_card  # noqa: E402

LINES_PER_REPORT = 4


def _usage(call: int, report: int) -> dict[str, Any]:
    return {
        "call_seconds": 15.5 * report + call % 7,
        "tts_characters": 200 * report,
        "llm_tokens": {"m": {"input_tokens": 900 * report + call, "output_tokens": 60 * report}},
    }


def _reports(workspace: Workspace, run: str, calls: int, per_call: int) -> list[UsageReport]:
    today, now = date.today(), timezone.now()
    return [
        UsageReport(
            workspace=workspace,
            source=f"{run}-call-{call}",
            sequence=report,
            usage=_usage(call, report),
            priced_on=today,
            occurred_at=now,
        )
        for report in range(1, per_call + 1)
        for call in range(calls)
    ]


def _locked_report(report: UsageReport) -> None:
    """The metering before batching: lock the source's meters, bill each line's difference."""
    card = rate_card(workspace=report.workspace, on=report.priced_on)
    lines = usage_lines(report.usage)
    with transaction.atomic():
        UsageMeter.objects.bulk_create(
            [
                UsageMeter(workspace=report.workspace, source=report.source, kind=line.kind,
                           model_name=line.model_name)
                for line in lines
            ],
            ignore_conflicts=True,
        )  # fmt: skip
        locked = UsageMeter.objects.select_for_update().filter(
            workspace=report.workspace, source=report.source
        )
        meters = {(m.kind, m.model_name): m for m in locked.order_by("kind", "model_name")}
        entries, changed = [], []
        for line in lines:
            meter = meters[(line.kind, line.model_name)]
            if line.quantity <= meter.quantity:
                continue
            total = card.pricer(line.kind, line.model_name)(line.quantity)
            meter.steps += 1
            entries.append(
                LedgerEntry(
                    workspace=report.workspace, source=report.source, kind=line.kind,
                    model_name=line.model_name, sequence=meter.steps,
                    quantity=line.quantity - meter.quantity, credits=meter.credits - total,
                    occurred_at=report.occurred_at,
                )
            )  # fmt: skip
            meter.quantity, meter.credits = line.quantity, total
            changed.append(meter)
        UsageMeter.objects.bulk_update(changed, ["quantity", "credits", "steps"])
        LedgerEntry.objects.bulk_create(entries)


def _one_by_one(apply: Callable[[UsageReport], object]) -> Callable[[list[UsageReport]], None]:
    def run(reports: list[UsageReport]) -> None:
        for report in reports:
            apply(report)

    return run


def _upsert_report(report: UsageReport) -> None:
    usage_report_apply(
        workspace=report.workspace,
        source=report.source,
        sequence=report.sequence,
        usage=report.usage,
        priced_on=report.priced_on,
        occurred_at=report.occurred_at,
    )


def _batched(batch_size: int) -> Callable[[list[UsageReport]], None]:
    def run(reports: list[UsageReport]) -> None:
        for start in range(0, len(reports), batch_size):
            usage_reports_apply(reports=reports[start : start + batch_size])

    return run


def _timed(writers: int, shares: Sequence[list[UsageReport]], job: Any) -> float:
    def work(share: list[UsageReport]) -> None:
        try:
            job(share)
        finally:
            connections.close_all()

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=writers) as pool:
        list(pool.map(work, shares))
    return time.perf_counter() - began


def _shares(reports: list[UsageReport], writers: int) -> list[list[UsageReport]]:
    """Each writer takes its own calls (as each worker process has its own), in report order."""
    return [[r for r in reports if int(r.source.rsplit("-", 1)[1]) % writers == w]
            for w in range(writers)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=400, help="concurrent calls")
    parser.add_argument("--reports", type=int, default=3, help="reports per call")
    parser.add_argument("--writers", type=int, default=4, help="writers at once")
    parser.add_argument("--batch", type=int, default=200, help="calls' reports per batch")
    args = parser.parse_args()
    workspace = Workspace.objects.create(name="bench", slug=f"bench-{time.time_ns()}")
    lines = args.calls * args.reports * LINES_PER_REPORT
    paths = {
        "locked_per_report": _one_by_one(_locked_report),
        "upsert_per_report": _one_by_one(_upsert_report),
        "batched": _batched(max(1, args.batch // args.writers)),
    }
    figures: dict[str, Any] = {
        "calls": args.calls, "reports_per_call": args.reports, "writers": args.writers,
        "batch_calls": args.batch, "metered_lines": lines,
    }  # fmt: skip
    try:
        for name, job in paths.items():
            reports = _reports(workspace, name, args.calls, args.reports)
            seconds = _timed(args.writers, _shares(reports, args.writers), job)
            figures[f"{name}_lines_per_s"] = round(lines / seconds, 1)
            print(f"{name}: {lines / seconds:,.0f} lines/s ({seconds:.2f} s)", flush=True)
        spent = {
            name: -sum(e.credits for e in LedgerEntry.objects.filter(source__startswith=name))
            for name in paths
        }
        # The three paths billed the same usage: they must agree to the credit.
        figures["same_credits_billed"] = len(set(spent.values())) == 1
        for name in ("upsert_per_report", "batched"):
            figures[f"{name}_vs_locked"] = round(
                figures[f"{name}_lines_per_s"] / figures["locked_per_report_lines_per_s"], 2
            )
        figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
        figures["credits_billed"] = str(spent["batched"].quantize(Decimal("0.01")))
    finally:
        LedgerEntry.objects.filter(workspace=workspace).delete()
        UsageMeter.objects.filter(workspace=workspace).delete()
        workspace.delete()
    print(json.dumps({"bench": "ledger_throughput", **figures}))


if __name__ == "__main__":
    main()
