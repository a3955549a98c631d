"""Pipelines API: the editor's reads and writes. Thin: authorize, call a service, shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from betool.access import require
from betool.async_views import off_the_loop
from betool.models import Workspace
from betool.roles import Permission
from pipelines import selectors, services

# What the test session's websocket sends besides the routes' shapes (betool.urls mounts it).
from pipelines.action_schemas import action_message_schemas as action_message_schemas
from pipelines.graph.diff import graph_diff
from pipelines.graph.templates import template_list
from pipelines.graph.validation import Severity
from pipelines.graph_limits import check_graph_size
from pipelines.models import Pipeline, PipelineVersion
from pipelines.nodes import node_type_catalog

router = Router(tags=["pipelines"])


class PublishedOut(Schema):
    number: int
    created_at: datetime
    note: str


class PipelineSummary(Schema):
    id: int
    name: str
    description: str
    updated_at: datetime
    updated_by: str | None
    revision: int
    has_unpublished_changes: bool
    published_version: PublishedOut | None
    numbers: list[str]


class PipelineDetail(PipelineSummary):
    graph: dict[str, Any]


class PipelineIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=500)
    template: str | None = None


class PipelinePatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=500)


class DraftIn(Schema):
    graph: dict[str, Any]
    revision: int = Field(ge=1)


class ProblemOut(Schema):
    code: str
    message: str
    severity: Severity
    # Always present (null when the problem is about the whole graph), as the editor reads them.
    node_id: str | None
    edge_id: str | None
    handle: str | None
    field: str | None = None


class DraftSaved(Schema):
    revision: int
    updated_at: datetime
    problems: list[ProblemOut]


class PublishIn(Schema):
    note: str = Field(default="", max_length=500)


class VersionOut(Schema):
    number: int
    note: str
    author: str | None
    created_at: datetime


class VersionDetail(VersionOut):
    graph: dict[str, Any]


class ValidateIn(Schema):
    graph: Any


class ValidateOut(Schema):
    problems: list[ProblemOut]


class ImportIn(Schema):
    format: str
    graph: dict[str, Any]
    name: str = ""
    description: str = ""
    schema_version: int | None = None
    tests: dict[str, Any] | None = None


class TemplateOut(Schema):
    key: str
    name: str
    description: str


class DiffQuery(Schema):
    base: int = Field(ge=1)
    target: int | Literal["draft"] = "draft"


def _summaries(pipelines: list[Pipeline]) -> list[dict[str, Any]]:
    ids = [p.pk for p in pipelines]
    numbers = selectors.numbers_using(pipeline_ids=ids)
    latest = selectors.latest_versions(pipeline_ids=ids)
    return [_summary(p, numbers.get(p.pk, []), latest.get(p.pk)) for p in pipelines]


def _summary(
    pipeline: Pipeline, numbers: list[str], latest: PipelineVersion | None
) -> dict[str, Any]:
    published = (
        PublishedOut(number=latest.number, created_at=latest.created_at, note=latest.note)
        if latest
        else None
    )
    return {
        "id": pipeline.pk,
        "name": pipeline.name,
        "description": pipeline.description,
        "updated_at": pipeline.updated_at,
        "updated_by": pipeline.updated_by.username if pipeline.updated_by else None,
        "revision": pipeline.draft_revision,
        "has_unpublished_changes": pipeline.draft_published_revision != pipeline.draft_revision,
        "published_version": published,
        "numbers": numbers,
    }


def _detail(pipeline: Pipeline) -> dict[str, Any]:
    return _summaries([pipeline])[0] | {"graph": pipeline.draft}


def _version_out(version: PipelineVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "note": version.note,
        "author": version.author.username if version.author else None,
        "created_at": version.created_at,
    }


def _pipeline(request: HttpRequest, pipeline_id: int, permission: Permission) -> Any:
    actor = require(request, permission)
    return actor, selectors.pipeline_get(workspace=actor.workspace, pipeline_id=pipeline_id)


@router.get("", response=list[PipelineSummary])
async def pipeline_list(request: HttpRequest, search: str = "") -> list[dict[str, Any]]:
    actor = require(request, Permission.PIPELINES_VIEW)
    return await off_the_loop(_pipeline_summaries, actor.workspace, search[:100])


def _pipeline_summaries(workspace: Workspace, search: str) -> list[dict[str, Any]]:
    return _summaries(list(selectors.pipeline_list(workspace=workspace, search=search)))


@router.post("", response={201: PipelineDetail})
def pipeline_create(request: HttpRequest, payload: PipelineIn) -> Status[dict[str, Any]]:
    actor = require(request, Permission.PIPELINES_EDIT)
    pipeline = services.pipeline_create(
        workspace=actor.workspace,
        user=actor.user,
        name=payload.name,
        description=payload.description,
        template=payload.template,
    )
    return Status(201, _detail(pipeline))


@router.get("/node-types", response=list[dict[str, Any]])
def node_types(request: HttpRequest) -> list[dict[str, Any]]:
    require(request, Permission.PIPELINES_VIEW)
    return node_type_catalog()


@router.get("/templates", response=list[TemplateOut])
def templates(request: HttpRequest) -> list[dict[str, str]]:
    require(request, Permission.PIPELINES_VIEW)
    return template_list()


@router.post("/validate", response=ValidateOut)
def validate(request: HttpRequest, payload: ValidateIn) -> dict[str, Any]:
    actor = require(request, Permission.PIPELINES_VIEW)
    check_graph_size(payload.graph)
    problems = selectors.graph_problems(workspace=actor.workspace, graph=payload.graph)
    return {"problems": [p.as_dict() for p in problems]}


@router.post("/import", response={201: PipelineDetail})
def pipeline_import(request: HttpRequest, payload: ImportIn) -> Status[dict[str, Any]]:
    actor = require(request, Permission.PIPELINES_EDIT)
    pipeline = services.pipeline_import(
        workspace=actor.workspace, user=actor.user, document=payload.dict()
    )
    return Status(201, _detail(pipeline))


@router.get("/{int:pipeline_id}", response=PipelineDetail)
def pipeline_get(request: HttpRequest, pipeline_id: int) -> dict[str, Any]:
    _, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_VIEW)
    return _detail(pipeline)


@router.patch("/{int:pipeline_id}", response=PipelineDetail)
def pipeline_update(request: HttpRequest, pipeline_id: int, payload: PipelinePatch) -> Any:
    actor, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_EDIT)
    services.pipeline_update(
        pipeline=pipeline, user=actor.user, name=payload.name, description=payload.description
    )
    return _detail(pipeline)


@router.delete("/{int:pipeline_id}", response={204: None})
def pipeline_delete(request: HttpRequest, pipeline_id: int) -> Status[None]:
    _, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_EDIT)
    services.pipeline_delete(pipeline=pipeline)
    return Status(204, None)


@router.post("/{int:pipeline_id}/duplicate", response={201: PipelineDetail})
def pipeline_duplicate(request: HttpRequest, pipeline_id: int) -> Status[dict[str, Any]]:
    actor, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_EDIT)
    return Status(201, _detail(services.pipeline_duplicate(pipeline=pipeline, user=actor.user)))


@router.put("/{int:pipeline_id}/draft", response=DraftSaved)
def draft_save(request: HttpRequest, pipeline_id: int, payload: DraftIn) -> dict[str, Any]:
    actor, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_EDIT)
    pipeline, problems = services.draft_save(
        pipeline=pipeline, user=actor.user, graph=payload.graph, revision=payload.revision
    )
    return {
        "revision": pipeline.draft_revision,
        "updated_at": pipeline.updated_at,
        "problems": [p.as_dict() for p in problems],
    }


@router.post("/{int:pipeline_id}/publish", response={201: VersionOut})
def pipeline_publish(
    request: HttpRequest, pipeline_id: int, payload: PublishIn
) -> Status[dict[str, Any]]:
    actor, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_PUBLISH)
    version = services.pipeline_publish(pipeline=pipeline, user=actor.user, note=payload.note)
    return Status(201, _version_out(version))


@router.get("/{int:pipeline_id}/versions", response=list[VersionOut])
def version_list(request: HttpRequest, pipeline_id: int) -> list[dict[str, Any]]:
    _, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_VIEW)
    return [_version_out(v) for v in selectors.version_list(pipeline=pipeline)]


@router.get("/{int:pipeline_id}/versions/{int:number}", response=VersionDetail)
def version_get(request: HttpRequest, pipeline_id: int, number: int) -> dict[str, Any]:
    _, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_VIEW)
    version = selectors.version_get(pipeline=pipeline, number=number)
    return _version_out(version) | {"graph": version.graph}


@router.post("/{int:pipeline_id}/versions/{int:number}/restore", response=PipelineDetail)
def version_restore(request: HttpRequest, pipeline_id: int, number: int) -> dict[str, Any]:
    actor, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_EDIT)
    return _detail(services.version_restore(pipeline=pipeline, number=number, user=actor.user))


@router.get("/{int:pipeline_id}/diff", response=dict[str, Any])
def pipeline_diff(
    request: HttpRequest, pipeline_id: int, query: Query[DiffQuery]
) -> dict[str, Any]:
    _, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_VIEW)
    base = selectors.graph_of(pipeline=pipeline, version=query.base)
    target = selectors.graph_of(pipeline=pipeline, version=query.target)
    return graph_diff(base, target)


@router.get("/{int:pipeline_id}/export", response=dict[str, Any])
def pipeline_export(request: HttpRequest, pipeline_id: int) -> dict[str, Any]:
    _, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_VIEW)
    return services.pipeline_export(pipeline=pipeline)
