"""The usage relay: job processes' reports meet in the worker's one batcher over a Unix
socket, are coalesced across processes, and each sender learns its workspace's balance."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from telephony.worker import usage_batch, usage_relay
from telephony.worker.usage_relay import RELAY_ENV, RelayedReport, UsageRelay

ROOT = Path(__file__).resolve().parents[3]
# A job process: waits for the common start, then sends its calls' reports all at once
# (each twice, sequences out of order) and prints the balances it got back.
SENDER = """
import asyncio, json, random, sys, time
from telephony.worker.usage_relay import RelayedReport, relay_client

process, calls, start_at = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
jobs = [(call, seq) for call in range(process * 100, process * 100 + calls)
        for seq in (1, 2, 3) for _copy in (1, 2)]
random.Random(process).shuffle(jobs)

async def main():
    client = relay_client()
    def report(call, seq):
        return RelayedReport(workspace_id=1 + call % 2, source=f"call-{call}", sequence=seq,
            usage={"call_seconds": seq * 10.5}, priced_on="2026-12-01",
            occurred_at="2026-12-01T10:00:00+00:00")
    time.sleep(max(0.0, start_at - time.time()))
    balances = await asyncio.gather(*(client.report(report(c, s)) for c, s in jobs))
    print(json.dumps([str(b) for b in balances]))

asyncio.run(main())
"""


@dataclass(frozen=True)
class _Workspace:
    pk: int


@dataclass(frozen=True)
class _Report:
    workspace: _Workspace
    source: str
    sequence: int


class _Bill:
    """Records each batch; every workspace's balance is 1000 minus the batches so far."""

    def __init__(self, *, fail: bool = False) -> None:
        self.batches: list[list[tuple[str, int]]] = []
        self.fail = fail

    def __call__(self, reports: Sequence[_Report]) -> dict[int, Decimal]:
        if self.fail:
            raise RuntimeError("the database is gone")
        self.batches.append([(r.source, r.sequence) for r in reports])
        return {r.workspace.pk: Decimal(1000 - len(self.batches)) for r in reports}


def _decode(relayed: RelayedReport) -> _Report:
    return _Report(_Workspace(relayed.workspace_id), relayed.source, relayed.sequence)


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[tuple[UsageRelay, _Bill, usage_batch.UsageBatcher]]:
    bill = _Bill()
    batcher = usage_batch.UsageBatcher(bill=bill, flush_interval_s=0.3)  # type: ignore[arg-type]
    server = UsageRelay(batcher=batcher, decode=_decode, path=str(tmp_path / "relay.sock"))  # type: ignore[arg-type]
    server.start()
    yield server, bill, batcher
    server.close()
    batcher.close()


def test_reports_of_several_processes_are_billed_together(
    relay: tuple[UsageRelay, _Bill, usage_batch.UsageBatcher],
) -> None:
    server, bill, batcher = relay
    processes, calls = 3, 8
    start_at = time.time() + 3  # past every sender's start-up
    senders = [
        subprocess.Popen(
            [sys.executable, "-c", SENDER, str(p), str(calls), str(start_at)],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", RELAY_ENV: server.path, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for p in range(processes)
    ]
    outputs = [sender.communicate(timeout=60) for sender in senders]
    for sender, (out, err) in zip(senders, outputs, strict=True):
        assert sender.returncode == 0, err.decode()
        balances = [Decimal(b) for b in json.loads(out)]
        assert len(balances) == calls * 6
        assert all(Decimal(0) < b < Decimal(1000) for b in balances)
    assert server.reports == processes * calls * 6
    # Every call's last report was billed; the copies and the overtaken ones coalesced.
    billed: dict[str, int] = {}
    for batch in bill.batches:
        for source, sequence in batch:
            billed[source] = max(sequence, billed.get(source, 0))
    assert billed == {f"call-{p * 100 + c}": 3 for p in range(processes) for c in range(calls)}
    assert batcher.reports_billed < server.reports / 2
    # One batch held the calls of different job processes: coalesced across processes.
    senders_of = [{int(source[5:]) // 100 for source, _ in batch} for batch in bill.batches]
    assert max(len(s) for s in senders_of) == processes


def test_a_failed_batch_is_an_error_for_its_senders(
    relay: tuple[UsageRelay, _Bill, usage_batch.UsageBatcher], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, bill, _ = relay
    bill.fail = True
    monkeypatch.setenv(RELAY_ENV, server.path)
    report = RelayedReport(
        workspace_id=1, source="call-1", sequence=1, usage={"call_seconds": 3},
        priced_on="2026-12-01", occurred_at="2026-12-01T10:00:00+00:00",
    )  # fmt: skip

    async def send() -> None:
        client = usage_relay.relay_client()
        assert client is not None
        with pytest.raises(usage_relay.RelayBillingFailed, match="the database is gone"):
            await client.report(report)
        await client.aclose()

    asyncio.run(send())


def test_without_a_reachable_relay_the_call_bills_in_its_own_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bill = _Bill()
    local = usage_batch.UsageBatcher(bill=bill, flush_interval_s=0.01)  # type: ignore[arg-type]
    monkeypatch.setattr(usage_batch, "_batcher", local)
    monkeypatch.setenv(RELAY_ENV, str(tmp_path / "nobody-listens.sock"))
    report = _Report(_Workspace(7), "call-9", 4)
    relayed: list[RelayedReport] = []
    monkeypatch.setattr(
        RelayedReport, "of", classmethod(lambda cls, r: relayed.append(r) or _decode_back(r))
    )

    async def send() -> Decimal:
        return await usage_relay.usage_report_send(
            source="call-9",
            sequence=4,
            build=lambda: report,  # type: ignore[arg-type,return-value]
        )

    try:
        assert asyncio.run(send()) == Decimal(999)
    finally:
        local.close()
    assert relayed == [report]  # the relay was tried first
    assert bill.batches == [[("call-9", 4)]]


def _decode_back(report: _Report) -> RelayedReport:
    return RelayedReport(
        workspace_id=report.workspace.pk, source=report.source, sequence=report.sequence,
        usage={}, priced_on="2026-12-01", occurred_at="2026-12-01T10:00:00+00:00",
    )  # fmt: skip
