"""200 calls report usage at once on PostgreSQL, each report duplicated and out of order, one
by one and in batches as the worker sends them: every call is billed exactly the price of its
final usage, to the credit, once; and a call is still stopped when the balance runs out."""

from __future__ import annotations

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Count, Sum
from django.utils import timezone

from betool.models import LedgerEntry, LedgerKind, UsageMeter, Workspace
from betool.selectors import workspace_balance
from betool.services import ledger_credit
from telephony.worker.usage_relay import RELAY_ENV, UsageRelay, report_decode
from voice_models.metering import UsageReport, usage_report_apply, usage_reports_apply
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

    _assert_billed_exactly(workspace)


def _assert_billed_exactly(workspace: Workspace) -> None:
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


def test_parallel_batches_of_duplicated_reordered_reports_bill_exactly_once() -> None:
    """What workers send: batches of many calls' reports, each report in several batches,
    batches applied at once by many writers and in any order."""
    workspace = Workspace.objects.create(name="Batches", slug="batches")
    now, today = timezone.now(), date.today()
    reports = [
        UsageReport(workspace=workspace, source=f"call-{call}", sequence=report,
                    usage=_usage(call, report), priced_on=today, occurred_at=now)
        for call in range(CALLS)
        for report in range(1, REPORTS_PER_CALL + 1)
        for _copy in range(COPIES)
    ]  # fmt: skip
    rng = random.Random(19)
    rng.shuffle(reports)
    batches = []
    while reports:
        size = rng.randint(1, 60)
        batches.append(reports[:size])
        reports = reports[size:]

    def apply(batch: list[UsageReport]) -> None:
        try:
            usage_reports_apply(reports=batch)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(apply, batches))
    _assert_billed_exactly(workspace)


@pytest.mark.parametrize("through", ["batcher", "relay"])
def test_calls_billed_in_batches_end_when_the_balance_runs_out(
    monkeypatch: pytest.MonkeyPatch, settings: Any, through: str, tmp_path: Any
) -> None:
    """Forty running calls of a workspace that ends calls at zero report through the worker's
    batcher (or its relay, over its socket, as job processes do): once the balance is spent,
    every one of them ends, out of credit."""
    from telephony.calls.billing import call_usage_bill_batch
    from telephony.services import call_start
    from telephony.worker import usage, usage_batch
    from telephony.worker.recorder import CallRecorder
    from telephony.worker.state import CallPlan, CallState

    workspace = Workspace.objects.create(name="Hard stop", slug="hard-stop")
    ledger_credit(workspace=workspace, credits=Decimal(500), kind=LedgerKind.TOP_UP,
                  reason="tests", user=None)  # fmt: skip
    settings.VOICE_USAGE_REPORT_INTERVAL_S = 0.05
    batcher = usage_batch.UsageBatcher(bill=call_usage_bill_batch, flush_interval_s=0.05)
    monkeypatch.setattr(usage_batch, "_batcher", batcher)
    relay = None
    if through == "relay":
        relay = UsageRelay(batcher=batcher, decode=report_decode, path=f"{tmp_path}/u.sock")
        monkeypatch.setenv(RELAY_ENV, relay.start().path)
    ended: dict[int, str] = {}

    async def end_call(state: CallState, reason: str, **_: Any) -> None:
        ended[state.plan.call_id] = reason
        state.ending = True

    monkeypatch.setattr(usage, "end_call", end_call)
    started = {}

    def cumulative_usage(state: CallState) -> dict[str, Any]:
        # Each report adds 3 s of call time (10 credits) to the call's cumulative usage.
        started[state.plan.call_id] = started.get(state.plan.call_id, 0) + 3
        return {"call_seconds": started[state.plan.call_id]}

    monkeypatch.setattr(usage, "collect_usage", cumulative_usage)
    states = []
    for n in range(40):
        call = call_start(workspace=workspace, room_name=f"stop-{n}")
        plan = CallPlan(
            call_id=call.pk, workspace_id=workspace.pk, room_name=call.room_name,
            number_e164="", caller_number="", pipeline_id=None, version_id=0,
            version_number=0, graph={}, language="en", max_call_duration_s=0,
            silence_timeout_s=0, transfer_target="", is_test=False, asr=None, tts=None,
            llms=(), default_llm=None, end_at_zero_balance=True,
        )  # fmt: skip
        states.append(CallState(plan=plan, ctx=None, recorder=CallRecorder(call)))  # type: ignore[arg-type]

    async def run_calls() -> None:
        tasks = [asyncio.create_task(usage.usage_reports(state)) for state in states]
        await asyncio.wait_for(asyncio.gather(*tasks), 60)

    try:
        asyncio.run(run_calls())
    finally:
        if relay is not None:
            relay.close()
        batcher.close()
    assert ended == {state.plan.call_id: "out_of_credit" for state in states}
    if relay is not None:
        assert relay.reports >= batcher.reports_billed
    assert workspace_balance(workspace=workspace) <= 0
    # Each call was billed exactly the price of its last billed report, and in batches.
    rate = DEFAULT_RATES[LedgerKind.CALL_SECONDS]
    for state in states:
        meter = UsageMeter.objects.get(source=f"call-{state.plan.call_id}")
        spent = LedgerEntry.objects.filter(source=meter.source).aggregate(s=Sum("credits"))["s"]
        assert -spent == credits_for(LedgerKind.CALL_SECONDS, meter.quantity, rate)
    assert batcher.batches < batcher.reports_billed
