"""Pricing and metering: the rounding rule, dated prices, and exactly-once billing."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from betool.models import LedgerEntry, LedgerKind, Workspace
from voice_models.metering import usage_report_apply
from voice_models.pricing import PriceBookEntry, credits_for, rate_for

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("kind", "quantity", "rate", "expected"),
    [
        (LedgerKind.CALL_SECONDS, "60", "200", "200.00"),
        (LedgerKind.CALL_SECONDS, "1", "200", "3.33"),  # 3.333… rounds half-up to 3.33
        (LedgerKind.CALL_SECONDS, "0.2", "200", "3.33"),  # a started second is a second
        (LedgerKind.CALL_SECONDS, "61.001", "200", "206.67"),  # 62 s
        (LedgerKind.CALL_SECONDS, "3", "1", "0.05"),  # 0.05 exactly
        (LedgerKind.CALL_SECONDS, "9", "1", "0.15"),
        (LedgerKind.TTS_CHARACTERS, "1500", "30", "45.00"),
        (LedgerKind.LLM_OUTPUT_TOKENS, "125", "8", "1.00"),
        (LedgerKind.LLM_INPUT_TOKENS, "1", "2", "0.00"),
    ],
)
def test_rounding_rule(kind: LedgerKind, quantity: str, rate: str, expected: str) -> None:
    assert credits_for(kind, Decimal(quantity), Decimal(rate)) == Decimal(expected)


def test_default_price_is_200_credits_a_minute(workspace: Workspace) -> None:
    assert rate_for(workspace=workspace, kind=LedgerKind.CALL_SECONDS, on=TODAY) == 200


def test_dated_prices_and_model_specific_prices(workspace: Workspace) -> None:
    def price(kind: LedgerKind, credits: str, days_ago: int, model: str = "") -> None:
        PriceBookEntry.objects.create(
            workspace=workspace,
            kind=kind,
            model_name=model,
            credits=Decimal(credits),
            effective_from=TODAY - timedelta(days=days_ago),
        )

    price(LedgerKind.CALL_SECONDS, "150", 30)
    price(LedgerKind.CALL_SECONDS, "180", 5)
    price(LedgerKind.LLM_OUTPUT_TOKENS, "4", 30)
    price(LedgerKind.LLM_OUTPUT_TOKENS, "12", 30, model="gpt-4o")
    rate = rate_for
    assert rate(workspace=workspace, kind=LedgerKind.CALL_SECONDS, on=TODAY - timedelta(10)) == 150
    assert rate(workspace=workspace, kind=LedgerKind.CALL_SECONDS, on=TODAY) == 180
    assert rate(workspace=workspace, kind=LedgerKind.CALL_SECONDS, on=TODAY - timedelta(60)) == 200
    kind = LedgerKind.LLM_OUTPUT_TOKENS
    assert rate(workspace=workspace, kind=kind, model_name="gpt-4o", on=TODAY) == 12
    assert rate(workspace=workspace, kind=kind, model_name="haiku", on=TODAY) == 4


def _report(workspace: Workspace, source: str, seq: int, usage: dict[str, object]) -> Decimal:
    return usage_report_apply(
        workspace=workspace,
        source=source,
        sequence=seq,
        usage=usage,
        priced_on=TODAY,
        occurred_at=timezone.now(),
        asr_model="nova-3",
        tts_model="espeak",
    )


def _spent(workspace: Workspace, source: str) -> Decimal:
    total = LedgerEntry.objects.filter(workspace=workspace, source=source).aggregate(
        s=Sum("credits")
    )["s"]
    return -(total or Decimal(0))


def test_cumulative_reports_bill_the_difference_and_duplicates_nothing(
    workspace: Workspace,
) -> None:
    assert _report(workspace, "call-1", 1, {"call_seconds": 30}) == Decimal("100.00")
    assert _report(workspace, "call-1", 1, {"call_seconds": 30}) == 0  # duplicate
    assert _report(workspace, "call-1", 2, {"call_seconds": 61}) == Decimal("103.33")
    assert _report(workspace, "call-1", 1, {"call_seconds": 30}) == 0  # late, overtaken
    assert _spent(workspace, "call-1") == Decimal("203.33")  # = price of 61 s


def test_any_order_and_any_copies_bill_the_price_of_the_final_usage(
    workspace: Workspace,
) -> None:
    reports = [
        (seq, {
            "call_seconds": 7.3 * seq,
            "asr_seconds": 3.1 * seq,
            "tts_characters": 41 * seq,
            "llm_tokens": {"gpt-4o-mini": {"input_tokens": 300 * seq, "output_tokens": 17 * seq},
                           "claude-haiku": {"input_tokens": 11 * seq, "output_tokens": 5 * seq}},
        })
        for seq in range(1, 13)
    ]  # fmt: skip
    shuffled = reports * 3
    random.Random(7).shuffle(shuffled)
    for seq, usage in shuffled:
        _report(workspace, "call-2", seq, usage)
    final = reports[-1][1]
    in_order = Workspace.objects.create(name="Control", slug="control")
    _report(in_order, "call-2", 12, final)
    assert _spent(workspace, "call-2") == _spent(in_order, "call-2")
    assert _spent(workspace, "call-2") == (
        credits_for(LedgerKind.CALL_SECONDS, Decimal("87.6"), Decimal(200))
        + credits_for(LedgerKind.ASR_SECONDS, Decimal("37.2"), Decimal(20))
        + credits_for(LedgerKind.TTS_CHARACTERS, Decimal(492), Decimal(30))
        + credits_for(LedgerKind.LLM_INPUT_TOKENS, Decimal(3600), Decimal(2))
        + credits_for(LedgerKind.LLM_OUTPUT_TOKENS, Decimal(204), Decimal(8))
        + credits_for(LedgerKind.LLM_INPUT_TOKENS, Decimal(132), Decimal(2))
        + credits_for(LedgerKind.LLM_OUTPUT_TOKENS, Decimal(60), Decimal(8))
    )


def test_garbage_in_a_report_bills_nothing_and_does_not_raise(workspace: Workspace) -> None:
    usage = {"call_seconds": "NaN", "asr_seconds": -5, "tts_characters": "lots",
             "llm_tokens": {"x": "nope", "y": {"input_tokens": None}}}  # fmt: skip
    assert _report(workspace, "call-3", 1, usage) == 0
    assert not LedgerEntry.objects.filter(source="call-3").exists()


def test_a_batch_of_many_calls_reports_with_copies_bills_what_one_by_one_bills(
    workspace: Workspace,
) -> None:
    """The batch path (what a worker process sends) and the one-report path agree to the
    credit, whatever the batches' order and copies; a later batch with old reports adds
    nothing; each meter's entries are numbered 1, 2, … in the order they were billed."""
    from betool.models import UsageMeter
    from voice_models.metering import UsageReport, usage_reports_apply

    def usage(call: int, seq: int) -> dict[str, object]:
        return {"call_seconds": 9.5 * seq + call, "tts_characters": 37 * seq,
                "llm_tokens": {"gpt-4o-mini": {"input_tokens": 250 * seq + call,
                                               "output_tokens": 19 * seq}}}  # fmt: skip

    def report(ws: Workspace, call: int, seq: int) -> UsageReport:
        return UsageReport(
            workspace=ws, source=f"call-{call}", sequence=seq, usage=usage(call, seq),
            priced_on=TODAY, occurred_at=timezone.now(), asr_model="nova-3",
        )  # fmt: skip

    reports = [report(workspace, call, seq) for call in range(6) for seq in range(1, 6)] * 2
    random.Random(11).shuffle(reports)
    added = usage_reports_apply(reports=reports[:25])
    added_later = usage_reports_apply(reports=reports[25:])
    assert usage_reports_apply(reports=reports) == {}  # every copy again: nothing left to bill

    one_by_one = Workspace.objects.create(name="One by one", slug="one-by-one")
    for call in range(6):
        for seq in range(1, 6):
            _report(one_by_one, f"call-{call}", seq, usage(call, seq))
    for call in range(6):
        source = f"call-{call}"
        assert _spent(workspace, source) == _spent(one_by_one, source)
        assert added.get(source, 0) + added_later.get(source, 0) == _spent(workspace, source)
    for meter in UsageMeter.objects.filter(workspace=workspace):
        sequences = LedgerEntry.objects.filter(
            workspace=workspace, source=meter.source, kind=meter.kind, model_name=meter.model_name
        ).values_list("sequence", flat=True)
        assert sorted(sequences) == list(range(1, meter.steps + 1))
        assert meter.last_report == 5
