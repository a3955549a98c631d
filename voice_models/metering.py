"""Usage reports → credits. A report carries a call's cumulative usage so far; each kind of
usage is priced and billed through the core's meter, exactly once, whatever the order.

Usage is reported under the name of the voice model configuration that did it; each ledger
entry records that configuration's id, so its counters are its own even when another
configuration uses the same provider model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from betool.models import LedgerKind, Workspace
from betool.services import MeterLine, ledger_meter_usage
from voice_models.pricing import rate_card
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
    card = rate_card(workspace=workspace, on=priced_on)
    billed = usage_lines(usage, asr_model=asr_model, tts_model=tts_model)
    configs = usage_configs(workspace=workspace, names=[line.model_name for line in billed])
    lines = []
    for line in billed:
        config = configs.get(line.model_name)
        lines.append(
            MeterLine(
                kind=line.kind,
                model_name=line.model_name,
                cumulative_quantity=line.quantity,
                price=card.pricer(line.kind, line.model_name, config.model if config else ""),
                voice_model_id=config.pk if config else None,
            )
        )
    if not lines:
        return Decimal(0)
    entries = ledger_meter_usage(
        workspace=workspace,
        source=source,
        report_sequence=sequence,
        lines=lines,
        occurred_at=occurred_at,
        pipeline_id=pipeline_id,
        phone_number=phone_number,
        is_test=is_test,
    )
    return -sum((entry.credits for entry in entries), Decimal(0))
