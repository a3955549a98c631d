"""Reads of voice model configurations, scoped to a workspace."""

from __future__ import annotations

from django.db.models import QuerySet

from betool.models import Workspace
from voice_models.adapters import ModelConfig
from voice_models.models import VoiceModel, VoiceModelKind


def voice_model_list(*, workspace: Workspace, kind: str | None = None) -> QuerySet[VoiceModel]:
    queryset = VoiceModel.objects.filter(workspace=workspace)
    return queryset.filter(kind=kind) if kind else queryset


def llm_configs(*, workspace: Workspace) -> list[ModelConfig]:
    """The enabled language models as plain data, decrypted, safe to hand to an event loop."""
    models = voice_model_list(workspace=workspace, kind=VoiceModelKind.LLM).filter(enabled=True)
    return [ModelConfig.from_model(m) for m in models]
