"""Reads of voice model configurations, scoped to a workspace."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from betool.models import LedgerEntry, LedgerKind, Workspace
from voice_models.adapters import ModelConfig
from voice_models.models import VoiceModel, VoiceModelKind


def voice_model_list(*, workspace: Workspace, kind: str | None = None) -> QuerySet[VoiceModel]:
    queryset = VoiceModel.objects.filter(workspace=workspace)
    return queryset.filter(kind=kind) if kind else queryset


def llm_configs(*, workspace: Workspace) -> list[ModelConfig]:
    """The enabled language models as plain data, decrypted, safe to hand to an event loop."""
    return [ModelConfig.from_model(m) for m in _enabled_llms(workspace=workspace)]


def _enabled_llms(*, workspace: Workspace) -> QuerySet[VoiceModel]:
    return voice_model_list(workspace=workspace, kind=VoiceModelKind.LLM).filter(enabled=True)


def default_llm_for(*, workspace: Workspace) -> VoiceModel | None:
    """The language model that "workspace default" means: the first enabled one, as the
    sessions' provider registry takes it."""
    return _enabled_llms(workspace=workspace).first()


def llm_names(*, workspace: Workspace) -> frozenset[str]:
    """What a node may name an enabled language model by: its name or its provider model id."""
    rows = _enabled_llms(workspace=workspace).values_list("name", "model")
    return frozenset(name for row in rows for name in row if name)


UNIT_OF_KIND = {
    VoiceModelKind.ASR: "seconds",
    VoiceModelKind.TTS: "characters",
    VoiceModelKind.LLM: "tokens",
}
_UNIT_KINDS = [
    LedgerKind.ASR_SECONDS,
    LedgerKind.TTS_CHARACTERS,
    LedgerKind.LLM_INPUT_TOKENS,
    LedgerKind.LLM_OUTPUT_TOKENS,
]


def _used_since(since: datetime | None) -> Subquery:
    """Units recorded for the outer voice model since a moment. Usage is recorded under the
    name the session used for the model: its configuration name, or for language models
    the provider's model id; both count."""
    entries = LedgerEntry.objects.filter(
        Q(model_name=OuterRef("name")) | Q(model_name=OuterRef("model"), model_name__gt=""),
        workspace=OuterRef("workspace"),
        kind__in=_UNIT_KINDS,
    )
    if since is not None:
        entries = entries.filter(occurred_at__gte=since)
    total = entries.values("workspace").annotate(units=Sum("quantity")).values("units")
    return Subquery(total, output_field=DecimalField(max_digits=18, decimal_places=3))


def with_usage_counters(queryset: QuerySet[VoiceModel]) -> QuerySet[VoiceModel]:
    """Annotates ``used_today``, ``used_this_month`` and ``used_in_all`` (units, in one query)."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    zero = Value(Decimal(0))
    return queryset.annotate(
        used_today=Coalesce(_used_since(today), zero),
        used_this_month=Coalesce(_used_since(today.replace(day=1)), zero),
        used_in_all=Coalesce(_used_since(None), zero),
    )
