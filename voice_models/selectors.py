"""Reads of voice model configurations, scoped to a workspace."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from betool.models import LedgerEntry, LedgerKind, Workspace
from voice_models.adapters import ModelConfig
from voice_models.models import VoiceModel, VoiceModelKind


def voice_model_list(*, workspace: Workspace, kind: str | None = None) -> QuerySet[VoiceModel]:
    queryset = VoiceModel.objects.filter(workspace=workspace)
    return queryset.filter(kind=kind) if kind else queryset


def llm_configs(*, workspace: Workspace) -> list[ModelConfig]:
    """The enabled language models as plain data, decrypted, safe to hand to an event loop."""
    models = voice_model_list(workspace=workspace, kind=VoiceModelKind.LLM).filter(enabled=True)
    return [ModelConfig.from_model(m) for m in models]


@dataclass(frozen=True, slots=True)
class UsageCounters:
    today: Decimal
    month: Decimal
    total: Decimal
    unit: str


_COUNTED_KIND = {
    VoiceModelKind.ASR: ([LedgerKind.ASR_SECONDS], "seconds"),
    VoiceModelKind.TTS: ([LedgerKind.TTS_CHARACTERS], "characters"),
    VoiceModelKind.LLM: ([LedgerKind.LLM_INPUT_TOKENS, LedgerKind.LLM_OUTPUT_TOKENS], "tokens"),
}


def usage_counters(*, workspace: Workspace, models: list[VoiceModel]) -> dict[int, UsageCounters]:
    """Units used by each voice model today, this month and in all, from the ledger.

    Usage is recorded under the name the session used for the model: its configuration
    name, or for language models the provider's model id; both count."""
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = today.replace(day=1)
    counters = {}
    for voice_model in models:
        kinds, unit = _COUNTED_KIND[VoiceModelKind(voice_model.kind)]
        names = {voice_model.name, voice_model.model} - {""}
        sums = LedgerEntry.objects.filter(
            workspace=workspace, kind__in=kinds, model_name__in=names
        ).aggregate(
            today=Sum("quantity", filter=Q(occurred_at__gte=today)),
            month=Sum("quantity", filter=Q(occurred_at__gte=month)),
            total=Sum("quantity"),
        )
        counters[voice_model.pk] = UsageCounters(
            today=sums["today"] or Decimal(0),
            month=sums["month"] or Decimal(0),
            total=sums["total"] or Decimal(0),
            unit=unit,
        )
    return counters
