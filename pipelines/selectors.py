"""Reads of pipelines and their versions, always within one workspace."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from betool.errors import ApiError, not_found
from betool.models import Workspace
from pipelines import number_routes
from pipelines.errors import PipelineErrorCode
from pipelines.graph.validation import LanguageModels, Problem, validate_graph
from pipelines.models import Pipeline, PipelineVersion
from voice_models.selectors import default_llm_for, llm_names


def pipeline_list(*, workspace: Workspace, search: str = "") -> QuerySet[Pipeline]:
    # The list shows no graph: drafts (the biggest column) stay in the database.
    queryset = (
        Pipeline.objects.filter(workspace=workspace).select_related("updated_by").defer("draft")
    )
    if search:
        queryset = queryset.filter(name__icontains=search) | queryset.filter(
            description__icontains=search
        )
    return queryset.order_by("-updated_at", "-id")


def pipeline_get(*, workspace: Workspace, pipeline_id: int, for_update: bool = False) -> Pipeline:
    queryset = Pipeline.objects.filter(workspace=workspace, pk=pipeline_id)
    if for_update:
        queryset = queryset.select_for_update()
    pipeline = queryset.first()
    if pipeline is None:
        raise not_found("Pipeline")
    return pipeline


def version_list(*, pipeline: Pipeline) -> QuerySet[PipelineVersion]:
    return pipeline.versions.select_related("author").defer("graph").order_by("-number")


def version_get(*, pipeline: Pipeline, number: int) -> PipelineVersion:
    version = pipeline.versions.select_related("author").filter(number=number).first()
    if version is None:
        raise ApiError(
            PipelineErrorCode.UNKNOWN_VERSION, f"Version {number} does not exist.", status=404
        )
    return version


def version_latest(*, pipeline: Pipeline) -> PipelineVersion | None:
    return pipeline.versions.order_by("-number").first()


def latest_versions(*, pipeline_ids: list[int]) -> dict[int, PipelineVersion]:
    """The newest published version of each pipeline, in one query (no graphs loaded)."""
    latest: dict[int, PipelineVersion] = {}
    versions = (
        PipelineVersion.objects.filter(pipeline_id__in=pipeline_ids)
        .defer("graph")
        .order_by("pipeline_id", "-number")
    )
    for version in versions:
        latest.setdefault(version.pipeline_id, version)
    return latest


def numbers_using(*, pipeline_ids: list[int]) -> dict[int, list[str]]:
    """Phone numbers (E.164) routed to each pipeline, for status badges."""
    return number_routes.numbers_using(pipeline_ids)


def graph_of(*, pipeline: Pipeline, version: str | int) -> dict[str, Any]:
    """The draft (``"draft"``) or a published version's graph."""
    if version == "draft":
        return pipeline.draft
    return version_get(pipeline=pipeline, number=int(version)).graph


def language_models_for(*, workspace: Workspace) -> LanguageModels:
    """The language models the workspace's nodes can name, for validation."""
    default = default_llm_for(workspace=workspace)
    return LanguageModels(
        names=llm_names(workspace=workspace), default=default.name if default else None
    )


def graph_problems(*, workspace: Workspace, graph: Any) -> list[Problem]:
    """What is wrong with a graph as this workspace would run it (with its language models)."""
    return validate_graph(graph, language_models=language_models_for(workspace=workspace))


def pipeline_names_by_id(ids: set[int]) -> dict[int, str]:
    """Each pipeline's name by id, in any workspace: finance asks for the ids it has rows of."""
    return dict(Pipeline.objects.filter(pk__in=ids).values_list("pk", "name"))
