"""Reads of voice model configurations, scoped to a workspace."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from betool.models import LedgerEntry, LedgerKind, Workspace
from voice_models.adapters import ModelConfig
from voice_models.models import VoiceModel, VoiceModelKind


def voice_model_list(*, workspace: Workspace, kind: str | None = None) -> QuerySet[VoiceModel]:
    queryset = VoiceModel.objects.filter(workspace=workspace)
    return queryset.filter(kind=kind) if kind else queryset


def llm_configs(*, workspace: Workspace) -> list[ModelConfig]:
    """The enabled language models as plain data, decrypted, safe to hand to an event loop;
    the workspace's default first."""
    return [ModelConfig.from_model(m) for m in _enabled_llms(workspace=workspace)]


def _enabled_llms(*, workspace: Workspace) -> QuerySet[VoiceModel]:
    return (
        voice_model_list(workspace=workspace, kind=VoiceModelKind.LLM)
        .filter(enabled=True)
        .order_by("-is_default", "name")
    )


def default_llm_for(*, workspace: Workspace) -> VoiceModel | None:
    """The language model that answers where a number or a node names none ("workspace
    default"): the one an admin marked as the default, else the first enabled one, as the
    sessions' provider registry takes it."""
    return _enabled_llms(workspace=workspace).first()


def llm_names(*, workspace: Workspace) -> frozenset[str]:
    """What a node may name an enabled language model by: its name or its provider model id."""
    rows = _enabled_llms(workspace=workspace).values_list("name", "model")
    return frozenset(name for row in rows for name in row if name)


def usage_configs(*, workspace: Workspace, names: Iterable[str]) -> dict[str, VoiceModel]:
    """The configurations that usage was reported under, by name (sessions report usage
    under the configuration's name)."""
    wanted = {name for name in names if name}
    if not wanted:
        return {}
    found = VoiceModel.objects.filter(workspace=workspace, name__in=wanted).only("name", "model")
    return {voice_model.name: voice_model for voice_model in found}


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
    """Units this configuration did since a moment: the ledger entries billed to it, by id,
    never those of another configuration of the same model."""
    entries = LedgerEntry.objects.filter(
        voice_model_id=OuterRef("pk"), workspace=OuterRef("workspace"), kind__in=_UNIT_KINDS
    )
    if since is not None:
        entries = entries.filter(occurred_at__gte=since)
    total = entries.values("workspace").annotate(units=Sum("quantity")).values("units")
    return Subquery(total, output_field=DecimalField(max_digits=18, decimal_places=3))


def with_usage_counters(
    queryset: QuerySet[VoiceModel], *, workspace: Workspace | None = None
) -> QuerySet[VoiceModel]:
    """Annotates ``used_today``, ``used_this_month`` and ``used_in_all`` (units, in one
    query); days and months begin in the workspace's time zone (the site's without one)."""
    zone = ZoneInfo(workspace.time_zone) if workspace and workspace.time_zone else None
    now = timezone.localtime(timezone=zone)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    zero = Value(Decimal(0))
    return queryset.annotate(
        used_today=Coalesce(_used_since(today), zero),
        used_this_month=Coalesce(_used_since(today.replace(day=1)), zero),
        used_in_all=Coalesce(_used_since(None), zero),
    )
