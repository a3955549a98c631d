"""Flow test suites API: read and save a pipeline's suite, run it, draft a scenario for a
branch. Thin: authorize, call a service, shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from betool.access import require
from betool.roles import Permission
from pipelines import selectors as pipeline_selectors
from pipelines.flow_tests import selectors, services
from pipelines.flow_tests.by_voice import RunMode
from pipelines.flow_tests.checks import suite_problems
from pipelines.flow_tests.graph_facts import graph_facts
from pipelines.flow_tests.models import FlowSuiteRun
from pipelines.flow_tests.spec import (
    ScenarioDocument,
    StepKind,
    SuiteDocument,
    SuiteInvalid,
    suite_parse,
)

router = Router(tags=["flow tests"])


class SuiteProblemOut(Schema):
    scenario: str | None
    step: int | None
    field: str | None
    message: str


class FailureOut(Schema):
    kind: str
    expected: str
    observed: str


class FirstFailureOut(FailureOut):
    step: int | None  # None: a check of the whole call, after the steps


class StepResultOut(Schema):
    index: int
    kind: StepKind
    caller: str
    said: str
    nodes: list[str]
    passed: bool
    failures: list[FailureOut]
    # The turn's trace, as the engine writes it (the test panel's turn_end trace).
    trace: dict[str, Any] | None
    # By voice: what the caller heard (transcribed), and from the end of its speech to the
    # agent's first audio.
    heard: str | None = None
    response_ms: float | None = None


class TranscriptLineOut(Schema):
    role: str
    text: str


class ScenarioResultOut(Schema):
    scenario_id: str
    name: str
    passed: bool
    ms: float
    greeting: str
    steps: list[StepResultOut]
    end_failures: list[FailureOut]
    first_failure: FirstFailureOut | None
    error: str | None
    # A simulated caller runs several times; a scripted scenario once.
    runs: int
    runs_passed: int
    pass_rate: float
    transcript: list[TranscriptLineOut] = []
    mode: RunMode = "text"


class UncoveredOutputOut(Schema):
    node_id: str
    handle: str
    edge_id: str | None


class CoverageOut(Schema):
    outputs: int
    exercised: int
    uncovered: list[UncoveredOutputOut]
    # [node id, output handle] of each output a scenario left by.
    exercised_outputs: list[list[str]] = []


class SuiteResultOut(Schema):
    version: str
    mode: RunMode = "text"
    passed: bool
    total: int
    failed: int
    ms: float
    scenarios: list[ScenarioResultOut]
    coverage: CoverageOut


class RunOut(Schema):
    id: int
    version: str
    passed: bool
    total: int
    failed: int
    created_at: datetime
    # The draft revision it ran on: the editor tells a result of an older draft apart.
    draft_revision: int | None
    suite_revision: int | None
    result: SuiteResultOut


class SuiteOut(Schema):
    suite: SuiteDocument
    revision: int
    problems: list[SuiteProblemOut]
    latest_run: RunOut | None


class SuiteIn(Schema):
    suite: SuiteDocument
    revision: int | None = Field(default=None, ge=1)


class SuiteSaved(Schema):
    revision: int
    problems: list[SuiteProblemOut]


class RunIn(Schema):
    version: int | Literal["draft"] = "draft"
    scenarios: list[str] | None = Field(default=None, max_length=500)
    # voice: spoken through LiveKit to the voice worker and heard back (needs both running).
    mode: Literal["text", "voice"] = "text"


class BranchIn(Schema):
    node_id: str = Field(min_length=1, max_length=200)
    handle: str = Field(min_length=1, max_length=200)


class BranchDraftOut(Schema):
    scenario: ScenarioDocument
    notes: list[str]
    reaches: bool


class LatestQuery(Schema):
    version: int | Literal["draft"] = "draft"


def _run_out(run: FlowSuiteRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "version": "draft" if run.version_number is None else str(run.version_number),
        "passed": run.passed,
        "total": run.total,
        "failed": run.failed,
        "created_at": run.created_at,
        "draft_revision": run.draft_revision,
        "suite_revision": run.suite_revision,
        "result": run.result,
    }


def _pipeline(request: HttpRequest, pipeline_id: int, permission: Permission) -> Any:
    actor = require(request, permission)
    return actor, pipeline_selectors.pipeline_get(
        workspace=actor.workspace, pipeline_id=pipeline_id
    )


@router.get("/{int:pipeline_id}/tests", response=SuiteOut)
def suite_get(request: HttpRequest, pipeline_id: int) -> dict[str, Any]:
    _, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_VIEW)
    stored = selectors.suite_of(pipeline=pipeline)
    document = selectors.suite_document(pipeline=pipeline)
    try:
        problems = suite_problems(suite_parse(document), graph_facts(pipeline.draft))
    except SuiteInvalid as invalid:
        problems = invalid.problems
    latest = selectors.run_latest(pipeline=pipeline)
    return {
        "suite": document,
        "revision": stored.revision if stored else 1,
        "problems": problems,
        "latest_run": _run_out(latest) if latest else None,
    }


@router.put("/{int:pipeline_id}/tests", response=SuiteSaved)
def suite_save(request: HttpRequest, pipeline_id: int, payload: SuiteIn) -> dict[str, Any]:
    actor, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_EDIT)
    stored, problems = services.suite_save(
        pipeline=pipeline, user=actor.user, document=payload.suite, revision=payload.revision
    )
    return {"revision": stored.revision, "problems": problems}


@router.post("/{int:pipeline_id}/tests/run", response=RunOut)
def suite_run(request: HttpRequest, pipeline_id: int, payload: RunIn) -> dict[str, Any]:
    actor, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_TEST)
    run = services.suite_run(
        pipeline=pipeline,
        workspace=actor.workspace,
        user=actor.user,
        version=payload.version,
        scenario_ids=payload.scenarios,
        mode=payload.mode,
    )
    return _run_out(run)


@router.get("/{int:pipeline_id}/tests/runs/latest", response={200: RunOut, 204: None})
def run_latest(request: HttpRequest, pipeline_id: int, query: Query[LatestQuery]) -> Any:
    _, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_VIEW)
    number = None if query.version == "draft" else int(query.version)
    run = selectors.run_latest(pipeline=pipeline, version_number=number)
    return _run_out(run) if run else (204, None)


@router.post("/{int:pipeline_id}/tests/draft-for-branch", response=BranchDraftOut)
def draft_for_branch(request: HttpRequest, pipeline_id: int, payload: BranchIn) -> Any:
    actor, pipeline = _pipeline(request, pipeline_id, Permission.PIPELINES_EDIT)
    return services.scenario_draft_for_branch(
        pipeline=pipeline, workspace=actor.workspace, node_id=payload.node_id, handle=payload.handle
    )
