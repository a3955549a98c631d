"""A call's usage, billed through the credit metering: at intervals while it runs, and once
more when it ends, whoever ends it (the worker, a LiveKit webhook, the reaper).

Reports are cumulative, so the last one decides the bill and extra copies cost nothing.
When the worker died and never sent its final report, the call time is taken from the
call's own timestamps; the other units stand at the worker's last interval report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from betool.selectors import workspace_balances
from telephony.models import Call
from voice_models.metering import UsageReport, usage_reports_apply

# Sequences of the worker's interval reports count from 1; closing reports come after them.
CLOSING_SEQUENCE = 1_000_000


def call_source(call: Call) -> str:
    return f"call-{call.pk}"


def _billed_from(call: Call) -> datetime | None:
    # Time is billed from the answer (connected), as carriers do; the worker's own call_seconds
    # count from its session, which starts after that, so the clock never bills less.
    return call.connected_at or call.active_at


def call_seconds_by_clock(call: Call, *, until: datetime | None = None) -> float:
    started = _billed_from(call)
    if started is None:
        return 0.0
    end = until or call.ended_at or timezone.now()
    return max(0.0, (end - started).total_seconds())


def call_usage_report(*, call: Call, usage: dict[str, Any], sequence: int) -> UsageReport:
    """The call's cumulative usage as a report for the metering (priced on the call's day)."""
    number = call.number
    version = call.pipeline_version
    return UsageReport(
        workspace=call.workspace,
        source=call_source(call),
        sequence=sequence,
        usage=usage,
        priced_on=timezone.localdate(call.created_at),
        occurred_at=timezone.now(),
        asr_model=number.asr_model.name if number and number.asr_model else "",
        tts_model=number.tts_model.name if number and number.tts_model else "",
        pipeline_id=version.pipeline_id if version else None,
        phone_number=number.e164 if number else "",
        is_test=call.is_test,
    )


def call_usage_bill(*, call: Call, usage: dict[str, Any], sequence: int) -> Decimal:
    """Bills what the report adds; returns the credits added."""
    report = call_usage_report(call=call, usage=usage, sequence=sequence)
    return usage_reports_apply(reports=[report]).get(report.source, Decimal(0))


def call_usage_bill_batch(reports: Sequence[UsageReport]) -> dict[int, Decimal]:
    """Bills the interval reports of many calls in one transaction; returns the balance of
    each of their workspaces afterwards (what the hard stop at zero credits reads)."""
    usage_reports_apply(reports=reports)
    return workspace_balances(workspace_ids={report.workspace.pk for report in reports})


def call_close_bill(*, call: Call) -> Decimal:
    """The closing bill of an ended call: its final usage, or, if the worker never reported
    it, the clock's call time on top of the last interval report."""
    usage = dict(call.usage or {})
    usage["call_seconds"] = max(float(usage.get("call_seconds") or 0), call_seconds_by_clock(call))
    return call_usage_bill(call=call, usage=usage, sequence=CLOSING_SEQUENCE)
