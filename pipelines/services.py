"""Writes of pipelines: create, save the draft (with conflict detection), publish, restore."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone

from betool.errors import ApiError, CoreErrorCode
from betool.models import User, Workspace
from betool.webhooks.events import EventType, PipelinePublishedData
from betool.webhooks.services import webhook_event_emit
from pipelines import selectors
from pipelines.errors import PipelineErrorCode
from pipelines.flow_tests import services as flow_tests
from pipelines.graph.document import GraphDocumentError, migrate_document, new_document
from pipelines.graph.templates import template_get
from pipelines.graph.validation import Problem, validate_graph
from pipelines.graph_limits import check_graph_size
from pipelines.models import Pipeline, PipelineVersion
from pipelines.notifications import notify_draft_saved_on_commit

EXPORT_FORMAT = "betool.pipeline"


def _readable(graph: Any) -> dict[str, Any]:
    check_graph_size(graph)
    try:
        return migrate_document(graph)
    except GraphDocumentError as exc:
        raise ApiError(PipelineErrorCode.GRAPH_UNREADABLE, str(exc), status=422) from exc


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def pipeline_create(
    *,
    workspace: Workspace,
    user: User | None,
    name: str,
    description: str = "",
    template: str | None = None,
    graph: dict[str, Any] | None = None,
    tests: dict[str, Any] | None = None,
) -> Pipeline:
    if template:
        document = template_get(template)
        if document is None:
            raise ApiError(
                PipelineErrorCode.UNKNOWN_TEMPLATE, f"There is no template {template!r}."
            )
        graph = document["graph"]
        description = description or document["description"]
        tests = document.get("tests")
    draft = _readable(graph) if graph is not None else new_document()
    pipeline = Pipeline.objects.create(
        workspace=workspace,
        name=name,
        description=description,
        draft=draft,
        created_by=user,
        updated_by=user,
    )
    flow_tests.suite_import(pipeline=pipeline, user=user, document=tests)
    return pipeline


def pipeline_update(
    *, pipeline: Pipeline, user: User, name: str | None = None, description: str | None = None
) -> Pipeline:
    if name is not None:
        pipeline.name = name
    if description is not None:
        pipeline.description = description
    pipeline.updated_by = user
    pipeline.save(update_fields=["name", "description", "updated_by", "updated_at"])
    return pipeline


def pipeline_duplicate(*, pipeline: Pipeline, user: User) -> Pipeline:
    return pipeline_create(
        workspace=pipeline.workspace,
        user=user,
        name=f"{pipeline.name} (copy)",
        description=pipeline.description,
        graph=pipeline.draft,
        tests=flow_tests.suite_export(pipeline=pipeline),
    )


def pipeline_delete(*, pipeline: Pipeline) -> None:
    numbers = selectors.numbers_using(pipeline_ids=[pipeline.pk]).get(pipeline.pk, [])
    if numbers:
        raise ApiError(
            PipelineErrorCode.IN_USE,
            f"Numbers still answer with this pipeline ({', '.join(numbers)}): "
            "route them elsewhere first.",
            status=409,
        )
    try:
        pipeline.delete()
    except ProtectedError as exc:
        # Apps above pipelines keep theirs (a campaign calling with it): named, not a crash.
        kinds = sorted({str(type(o)._meta.verbose_name_plural) for o in exc.protected_objects})
        raise ApiError(
            PipelineErrorCode.IN_USE,
            f"This pipeline is still used ({', '.join(kinds)}): remove those first.",
            status=409,
        ) from exc


def draft_save(
    *, pipeline: Pipeline, user: User, graph: Any, revision: int
) -> tuple[Pipeline, list[Problem]]:
    """Saves the draft if ``revision`` is the current one; a stale copy gets 409 and the
    current draft, so the editor can offer to reload it. Problems are returned, not refused:
    a draft may be invalid while the designer is drawing it."""
    document = _readable(graph)
    # Compare-and-swap in one UPDATE: two tabs saving at once cannot both win.
    saved = Pipeline.objects.filter(pk=pipeline.pk, draft_revision=revision).update(
        draft=document,
        draft_revision=F("draft_revision") + 1,
        updated_by=user,
        updated_at=timezone.now(),
    )
    pipeline.refresh_from_db()
    if not saved:
        raise ApiError(
            PipelineErrorCode.STALE_DRAFT,
            "Someone saved this pipeline after you opened it. Reload their version, "
            "or keep yours as a copy.",
            status=409,
            details={
                "revision": pipeline.draft_revision,
                "graph": pipeline.draft,
                "updated_by": pipeline.updated_by.username if pipeline.updated_by else None,
                "updated_at": pipeline.updated_at.isoformat(),
            },
        )
    notify_draft_saved_on_commit(pipeline_id=pipeline.pk, revision=pipeline.draft_revision)
    return pipeline, selectors.graph_problems(workspace=pipeline.workspace, graph=document)


def _published_webhook_emit(*, pipeline: Pipeline, version: PipelineVersion) -> None:
    data = PipelinePublishedData(
        pipeline_id=pipeline.pk,
        pipeline_name=pipeline.name,
        version=version.number,
        note=version.note,
        author=version.author.get_username() if version.author else None,
    )
    webhook_event_emit(
        workspace_id=pipeline.workspace_id, event=EventType.PIPELINE_PUBLISHED, data=data
    )


def pipeline_publish(
    *, pipeline: Pipeline, user: User, note: str = "", check_models: bool = True
) -> PipelineVersion:
    """An immutable, numbered version of the current draft; refused while it has errors.

    ``check_models=False`` (the demo's seed only) publishes nodes whose language model the
    workspace does not have yet: they say the fallback line until one is set up."""
    problems = (
        selectors.graph_problems(workspace=pipeline.workspace, graph=pipeline.draft)
        if check_models
        else validate_graph(pipeline.draft)
    )
    errors = _errors(problems)
    if errors:
        raise ApiError(
            PipelineErrorCode.GRAPH_INVALID,
            f"Fix {len(errors)} problem{'s' if len(errors) > 1 else ''} before publishing.",
            status=422,
            details=[p.as_dict() for p in errors],
        )
    flow_tests.suite_gate(pipeline=pipeline, user=user)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                locked = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
                latest = selectors.version_latest(pipeline=locked)
                version = PipelineVersion.objects.create(
                    pipeline=locked,
                    number=(latest.number + 1) if latest else 1,
                    graph=locked.draft,
                    note=note,
                    author=user,
                )
                Pipeline.objects.filter(pk=locked.pk).update(
                    draft_published_revision=locked.draft_revision
                )
                flow_tests.suite_publish_with(version=version)
                _published_webhook_emit(pipeline=locked, version=version)
                return version
        except IntegrityError:
            continue  # another publish took the number (SQLite has no row locks): retry
    raise ApiError(
        CoreErrorCode.CONFLICT, "Publishing collided with another publish; retry.", status=409
    )


def version_restore(*, pipeline: Pipeline, number: int, user: User) -> Pipeline:
    """Replaces the draft with a published version's graph (the versions stay as they are)."""
    version = selectors.version_get(pipeline=pipeline, number=number)
    Pipeline.objects.filter(pk=pipeline.pk).update(
        draft=migrate_document(version.graph),
        draft_revision=F("draft_revision") + 1,
        updated_by=user,
        updated_at=timezone.now(),
    )
    pipeline.refresh_from_db()
    flow_tests.suite_restore(pipeline=pipeline, number=number, user=user)
    return pipeline


def pipeline_export(*, pipeline: Pipeline) -> dict[str, Any]:
    graph = pipeline.draft
    return {
        "format": EXPORT_FORMAT,
        "schema_version": graph.get("schema_version"),
        "name": pipeline.name,
        "description": pipeline.description,
        "graph": graph,
        "tests": flow_tests.suite_export(pipeline=pipeline),
    }


def pipeline_import(*, workspace: Workspace, user: User, document: dict[str, Any]) -> Pipeline:
    if document.get("format") != EXPORT_FORMAT or not isinstance(document.get("graph"), dict):
        raise ApiError(
            PipelineErrorCode.GRAPH_UNREADABLE,
            "This file is not a betool pipeline export (expected format betool.pipeline).",
            status=422,
        )
    name = str(document.get("name") or "Imported pipeline")[:120]
    return pipeline_create(
        workspace=workspace,
        user=user,
        name=name,
        description=str(document.get("description") or "")[:500],
        graph=document["graph"],
        tests=document.get("tests"),
    )
