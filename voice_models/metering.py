"""Usage reports → credits. A report carries a call's cumulative usage so far; each kind of
usage is priced and billed through the core's meter, exactly once, whatever the order.

Usage is reported under the name of the voice model configuration that did it; each ledger
entry records that configuration's id, so its counters are its own even when another
configuration uses the same provider model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from betool.models import LedgerKind, Workspace
from betool.services import MeterLine, MeterReport, ledger_meter_reports
from voice_models.models import VoiceModel
from voice_models.pricing import RateCard, rate_card
from voice_models.selectors import usage_configs


@dataclass(frozen=True, slots=True)
class UsageLine:
    kind: LedgerKind
    model_name: str
    quantity: Decimal


def _decimal(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return number if number.is_finite() and number > 0 else Decimal(0)


def usage_lines(
    usage: Mapping[str, Any], *, asr_model: str = "", tts_model: str = ""
) -> list[UsageLine]:
    """The billable lines of a report shaped like the worker's ``collect_usage``:
    ``call_seconds``, ``asr_seconds``, ``tts_characters`` and ``llm_tokens`` per model."""
    lines = [
        UsageLine(LedgerKind.CALL_SECONDS, "", _decimal(usage.get("call_seconds"))),
        UsageLine(LedgerKind.ASR_SECONDS, asr_model, _decimal(usage.get("asr_seconds"))),
        UsageLine(LedgerKind.TTS_CHARACTERS, tts_model, _decimal(usage.get("tts_characters"))),
    ]
    llm_tokens = usage.get("llm_tokens")
    for model, counts in (llm_tokens if isinstance(llm_tokens, Mapping) else {}).items():
        if not isinstance(counts, Mapping):
            continue
        name = str(model)[:120]
        lines.append(
            UsageLine(LedgerKind.LLM_INPUT_TOKENS, name, _decimal(counts.get("input_tokens")))
        )
        lines.append(
            UsageLine(LedgerKind.LLM_OUTPUT_TOKENS, name, _decimal(counts.get("output_tokens")))
        )
    return [line for line in lines if line.quantity > 0]


@dataclass(frozen=True, slots=True)
class UsageReport:
    """A source's cumulative usage so far (``usage`` shaped like the worker's
    ``collect_usage``), with what prices and labels it."""

    workspace: Workspace
    source: str
    sequence: int
    usage: Mapping[str, Any]
    priced_on: date
    occurred_at: datetime
    asr_model: str = ""
    tts_model: str = ""
    pipeline_id: int | None = None
    phone_number: str = ""
    is_test: bool = False


def usage_report_apply(
    *,
    workspace: Workspace,
    source: str,
    sequence: int,
    usage: Mapping[str, Any],
    priced_on: date,
    occurred_at: datetime,
    asr_model: str = "",
    tts_model: str = "",
    pipeline_id: int | None = None,
    phone_number: str = "",
    is_test: bool = False,
) -> Decimal:
    """Bills what this report adds, in one transaction; returns the credits it added
    (0 for a duplicate or a stale copy)."""
    report = UsageReport(
        workspace=workspace,
        source=source,
        sequence=sequence,
        usage=usage,
        priced_on=priced_on,
        occurred_at=occurred_at,
        asr_model=asr_model,
        tts_model=tts_model,
        pipeline_id=pipeline_id,
        phone_number=phone_number,
        is_test=is_test,
    )
    return usage_reports_apply(reports=[report]).get(source, Decimal(0))


def usage_reports_apply(*, reports: Sequence[UsageReport]) -> dict[str, Decimal]:
    """Bills a batch of reports (of many calls, in any order, with copies) in one transaction;
    returns the credits added per source that added any. Each workspace's rates are read once
    per pricing day."""
    cards: dict[tuple[int, date], RateCard] = {}
    billed = [
        (report, usage_lines(report.usage, asr_model=report.asr_model, tts_model=report.tts_model))
        for report in reports
    ]
    configs = _configs_by_workspace(billed)
    meter_reports = []
    for report, usage in billed:
        if not usage:
            continue
        card_key = (report.workspace.pk, report.priced_on)
        if card_key not in cards:
            cards[card_key] = rate_card(workspace=report.workspace, on=report.priced_on)
        card = cards[card_key]
        workspace_configs = configs[report.workspace.pk]
        lines = []
        for line in usage:
            config = workspace_configs.get(line.model_name)
            lines.append(
                MeterLine(
                    kind=line.kind,
                    model_name=line.model_name,
                    cumulative_quantity=line.quantity,
                    price=card.pricer(line.kind, line.model_name, config.model if config else ""),
                    voice_model_id=config.pk if config else None,
                )
            )
        meter_reports.append(
            MeterReport(
                workspace=report.workspace,
                source=report.source,
                report_sequence=report.sequence,
                lines=lines,
                occurred_at=report.occurred_at,
                pipeline_id=report.pipeline_id,
                phone_number=report.phone_number,
                is_test=report.is_test,
            )
        )
    added: dict[str, Decimal] = {}
    for step in ledger_meter_reports(reports=meter_reports):
        added[step.source] = added.get(step.source, Decimal(0)) + step.credits
    return added


def _configs_by_workspace(
    billed: Sequence[tuple[UsageReport, list[UsageLine]]],
) -> dict[int, dict[str, VoiceModel]]:
    """The configurations that the batch's usage was reported under, one query per workspace."""
    names: dict[int, set[str]] = {}
    workspaces: dict[int, Workspace] = {}
    for report, usage in billed:
        workspaces[report.workspace.pk] = report.workspace
        names.setdefault(report.workspace.pk, set()).update(line.model_name for line in usage)
    return {pk: usage_configs(workspace=workspaces[pk], names=names[pk]) for pk in workspaces}
