"""Two weeks of metered usage for the finance dashboard's browser test, and the figures the
dashboard must show, summed straight from the ledger's rows (not through the finance code)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from betool.models import LedgerEntry, LedgerKind, Workspace
from voice_models.metering import usage_report_apply

USAGE_KINDS = {
    LedgerKind.CALL_SECONDS,
    LedgerKind.ASR_SECONDS,
    LedgerKind.TTS_CHARACTERS,
    LedgerKind.LLM_INPUT_TOKENS,
    LedgerKind.LLM_OUTPUT_TOKENS,
}
WINDOW_DAYS = 30  # the dashboard's default range: the last 30 days, today included
# A busy day: more calls than the dashboard's page by call holds (100), so it pages.
BUSY_DAY = 13
BUSY_DAY_CALLS = 120


def seed_usage(workspace: Workspace) -> None:
    now = timezone.now()
    for day in range(1, 12):
        for n in range(1 + day % 3):
            seconds = 37 + 13 * day + 29 * n
            when = now - timedelta(days=day, minutes=7 * n)
            usage_report_apply(
                workspace=workspace,
                source=f"finance-e2e-{day}-{n}",
                sequence=1,
                usage={"call_seconds": seconds + 0.4, "asr_seconds": seconds / 2,
                       "tts_characters": 11 * seconds,
                       "llm_tokens": {"gpt-4o-mini": {"input_tokens": 41 * seconds,
                                                      "output_tokens": 3 * seconds}}},
                priced_on=when.date(),
                occurred_at=when,
                phone_number="+15550100",
                is_test=n == 2,  # editor tests: left out of the default view
            )  # fmt: skip
    busy = now - timedelta(days=BUSY_DAY)
    for n in range(BUSY_DAY_CALLS):
        usage_report_apply(
            workspace=workspace,
            source=f"finance-e2e-busy-{n}",
            sequence=1,
            usage={"call_seconds": 20 + n % 40},
            priced_on=busy.date(),
            occurred_at=busy - timedelta(seconds=n),
            phone_number="+15550100",
        )


def ledger_figures(workspace: Workspace) -> str:
    """JSON {"days": {date: credits}, "total": credits} of non-test usage in the window."""
    first_day = timezone.localdate() - timedelta(days=WINDOW_DAYS - 1)
    days: dict[str, Decimal] = defaultdict(Decimal)
    rows = LedgerEntry.objects.filter(workspace=workspace).values_list(
        "kind", "is_test", "occurred_at", "credits"
    )
    for kind, is_test, occurred_at, credits in rows:
        day = timezone.localdate(occurred_at)
        if kind in USAGE_KINDS and not is_test and day >= first_day:
            days[day.isoformat()] -= credits
    total = sum(days.values(), Decimal(0))
    return json.dumps({"days": {d: str(c) for d, c in days.items()}, "total": str(total)})
