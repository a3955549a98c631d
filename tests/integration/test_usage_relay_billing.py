"""200 calls in 4 job processes report through the worker's usage relay, each report
duplicated and out of order: batches coalesce the processes' reports, and every call is
billed exactly the price of its final usage, once (PostgreSQL)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from betool.models import Workspace
from telephony.calls.billing import call_usage_bill_batch
from telephony.worker.usage_batch import UsageBatcher
from telephony.worker.usage_relay import RELAY_ENV, RelayedReport, UsageRelay, report_decode
from tests.integration.test_ledger_concurrency import (
    CALLS,
    COPIES,
    REPORTS_PER_CALL,
    _assert_billed_exactly,
    _usage,
)

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 4
# A job process: its reports on stdin; sends them all at once from the common start.
SENDER = """
import asyncio, json, sys, time
from telephony.worker.usage_relay import RelayedReport, relay_client

start_at, reports = float(sys.argv[1]), [RelayedReport(**r) for r in json.load(sys.stdin)]

async def main():
    client = relay_client()
    time.sleep(max(0.0, start_at - time.time()))
    balances = await asyncio.gather(*(client.report(r) for r in reports))
    print(json.dumps([str(b) for b in balances]))

asyncio.run(main())
"""


def test_reports_of_many_processes_through_the_relay_bill_exactly_once(tmp_path: Path) -> None:
    workspace = Workspace.objects.create(name="Relay", slug="relay")
    now, today = timezone.now(), date.today()
    reports = [
        asdict(
            RelayedReport(
                workspace_id=workspace.pk, source=f"call-{call}", sequence=report,
                usage=_usage(call, report), priced_on=today.isoformat(),
                occurred_at=now.isoformat(),
            )
        )
        for call in range(CALLS)
        for report in range(1, REPORTS_PER_CALL + 1)
        for _copy in range(COPIES)
    ]  # fmt: skip
    random.Random(4).shuffle(reports)
    batcher = UsageBatcher(bill=call_usage_bill_batch, flush_interval_s=0.2)
    relay = UsageRelay(batcher=batcher, decode=report_decode, path=str(tmp_path / "r.sock"))
    relay.start()
    start_at = time.time() + 3
    try:
        senders = []
        for process in range(PROCESSES):
            sender = subprocess.Popen(
                [sys.executable, "-c", SENDER, str(start_at)],
                cwd=ROOT,
                env={"PATH": "/usr/bin:/bin", RELAY_ENV: relay.path, "PYTHONPATH": str(ROOT)},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            senders.append((sender, reports[process::PROCESSES]))
        for sender, sent in senders:
            out, err = sender.communicate(json.dumps(sent).encode(), timeout=120)
            assert sender.returncode == 0, err.decode()
            # Each report was answered with its workspace's balance after its batch.
            assert len([Decimal(balance) for balance in json.loads(out)]) == len(sent)
    finally:
        relay.close()
        batcher.close()
    assert relay.reports == len(reports)
    assert batcher.batches < PROCESSES * 10  # batches of many calls, not one per report
    _assert_billed_exactly(workspace)
