"""Writes of suites (save, publish with a version, import, restore) and suite runs.

A run compiles the graph once and plays every scenario through a test session, so what
passes here is what the test panel and the phone would do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from asgiref.sync import async_to_sync
from django.db.models import F

from betool.errors import ApiError
from betool.models import User, Workspace
from pipelines import selectors as pipeline_selectors
from pipelines.engine import GraphInvalid, compile_graph
from pipelines.errors import PipelineErrorCode
from pipelines.flow_tests import selectors
from pipelines.flow_tests.by_voice import RunMode, VoicePlayer, voice_player
from pipelines.flow_tests.checks import suite_problems
from pipelines.flow_tests.drafts import scenario_for_branch
from pipelines.flow_tests.errors import FlowTestErrorCode
from pipelines.flow_tests.graph_facts import graph_facts
from pipelines.flow_tests.judge import mention_judge
from pipelines.flow_tests.models import FlowSuite, FlowSuiteRun, FlowSuiteVersion
from pipelines.flow_tests.runner import SuiteResult, run_scenario, run_suite
from pipelines.flow_tests.simulate import simulated_runner
from pipelines.flow_tests.spec import Scenario, Suite, SuiteInvalid, suite_parse
from pipelines.models import Pipeline, PipelineVersion
from pipelines.providers import provider_registry
from voice_models.selectors import llm_configs


def _parsed(document: Any) -> Suite:
    try:
        return suite_parse(document)
    except SuiteInvalid as invalid:
        count = len(invalid.problems)
        raise ApiError(
            FlowTestErrorCode.SUITE_INVALID,
            f"The test suite has {count} problem{'s' if count > 1 else ''}: "
            f"{invalid.problems[0]['message']}",
            status=422,
            details=invalid.problems,
        ) from invalid


def suite_save(
    *, pipeline: Pipeline, user: User | None, document: Any, revision: int | None = None
) -> tuple[FlowSuite, list[dict[str, Any]]]:
    """Stores the draft's suite; returns it and what does not match the draft's graph.

    ``revision`` (the one the editor loaded) refuses a save from a stale copy."""
    suite = _parsed(document)
    stored, _ = FlowSuite.objects.get_or_create(pipeline=pipeline)
    if revision is not None and revision != stored.revision:
        raise ApiError(
            FlowTestErrorCode.STALE_SUITE,
            "Someone changed these tests after you opened them. Reload them first.",
            status=409,
            details={"revision": stored.revision, "suite": stored.document},
        )
    saved = FlowSuite.objects.filter(pk=stored.pk, revision=stored.revision).update(
        document=suite.model_dump(mode="json"), revision=F("revision") + 1, updated_by=user
    )
    if not saved:
        raise ApiError(
            FlowTestErrorCode.STALE_SUITE, "Another save of these tests won; retry.", status=409
        )
    stored.refresh_from_db()
    return stored, suite_problems(suite, graph_facts(pipeline.draft))


def suite_import(*, pipeline: Pipeline, user: User | None, document: Any) -> None:
    """The suite of an export or a template, for a pipeline just created from it."""
    if document is None:
        return
    suite_save(pipeline=pipeline, user=user, document=document)


def suite_export(*, pipeline: Pipeline) -> dict[str, Any]:
    return selectors.suite_document(pipeline=pipeline)


def suite_publish_with(*, version: PipelineVersion) -> None:
    """Keeps the draft's suite with the version just published (in its transaction)."""
    FlowSuiteVersion.objects.create(
        version=version, document=selectors.suite_document(pipeline=version.pipeline)
    )


def suite_restore(*, pipeline: Pipeline, number: int, user: User | None) -> None:
    """With a restored version, its suite becomes the draft's again."""
    version = pipeline_selectors.version_get(pipeline=pipeline, number=number)
    published = FlowSuiteVersion.objects.filter(version=version).first()
    if published is not None:
        suite_save(pipeline=pipeline, user=user, document=published.document)


def _compiled(graph: dict[str, Any]) -> Any:
    try:
        return compile_graph(graph)
    except GraphInvalid as invalid:
        errors = [p.as_dict() for p in invalid.problems if p.severity == "error"]
        raise ApiError(
            PipelineErrorCode.GRAPH_INVALID,
            f"The pipeline cannot run: {invalid}",
            status=422,
            details=errors,
        ) from invalid


def _selected(suite: Suite, scenario_ids: Sequence[str] | None) -> list[Scenario]:
    if not scenario_ids:
        return list(suite.scenarios)
    by_id = {scenario.id: scenario for scenario in suite.scenarios}
    missing = [sid for sid in scenario_ids if sid not in by_id]
    if missing:
        raise ApiError(
            FlowTestErrorCode.UNKNOWN_SCENARIO,
            f"The suite has no scenario {missing[0]!r}.",
            status=404,
        )
    return [by_id[sid] for sid in scenario_ids]


def _voice_player() -> VoicePlayer:
    player = voice_player()
    why = "This installation cannot run tests by voice." if player is None else player.unavailable()
    if player is None or why is not None:
        raise ApiError(FlowTestErrorCode.VOICE_UNAVAILABLE, why or "", status=409)
    return player


def suite_execute(
    *,
    pipeline: Pipeline,
    workspace: Workspace,
    graph: dict[str, Any],
    suite: Suite,
    version_label: str,
    scenario_ids: Sequence[str] | None = None,
    mode: RunMode = "text",
) -> SuiteResult:
    """Runs (some of) ``suite`` against ``graph``; stores nothing. By voice, the scripted
    scenarios are spoken to the voice worker running that draft or version (simulated
    callers still play in text)."""
    compiled = _compiled(graph)
    configs = llm_configs(workspace=workspace)
    scenarios = _selected(suite, scenario_ids)
    player = _voice_player() if mode == "voice" else None
    version_number = None if version_label == "draft" else int(version_label)

    async def run() -> SuiteResult:
        judging = provider_registry(llm_configs=configs) if configs else None
        try:
            judge = mention_judge(judging) if judging is not None else None
            simulate = (
                simulated_runner(
                    compiled=compiled,
                    workspace=workspace,
                    pipeline_id=pipeline.pk,
                    configs=configs,
                    judge=judge,
                )
                if configs
                else None
            )
            return await run_suite(
                compiled=compiled,
                facts=graph_facts(graph),
                scenarios=scenarios,
                workspace=workspace,
                pipeline_id=pipeline.pk,
                version=version_label,
                live_providers=lambda: provider_registry(llm_configs=configs),
                judge=judge,
                simulate=simulate,
                play=None
                if player is None
                else lambda scenario: player.play(
                    workspace=workspace,
                    pipeline_id=pipeline.pk,
                    version_number=version_number,
                    scenario=scenario,
                    judge=judge,
                ),
            )
        finally:
            if judging is not None:
                await judging.aclose()

    result = async_to_sync(run)()
    result.mode = mode
    return result


def suite_run(
    *,
    pipeline: Pipeline,
    workspace: Workspace,
    user: User | None,
    version: str | int = "draft",
    scenario_ids: Sequence[str] | None = None,
    mode: RunMode = "text",
) -> FlowSuiteRun:
    """Runs the suite of the draft or of a published version and keeps the result."""
    published = (
        None
        if version == "draft"
        else pipeline_selectors.version_get(pipeline=pipeline, number=int(version))
    )
    graph = pipeline.draft if published is None else published.graph
    stored = selectors.suite_of(pipeline=pipeline)
    suite = _parsed(selectors.suite_document(pipeline=pipeline, version=published))
    result = suite_execute(
        pipeline=pipeline,
        workspace=workspace,
        graph=graph,
        suite=suite,
        version_label="draft" if published is None else str(published.number),
        scenario_ids=scenario_ids,
        mode=mode,
    )
    payload = result.as_dict()
    return FlowSuiteRun.objects.create(
        pipeline=pipeline,
        version_number=published.number if published else None,
        draft_revision=pipeline.draft_revision if published is None else None,
        suite_revision=stored.revision if stored and published is None else None,
        passed=result.passed,
        total=payload["total"],
        failed=payload["failed"],
        result=payload,
        created_by=user,
    )


def suite_gate(*, pipeline: Pipeline, user: User | None) -> FlowSuiteRun | None:
    """Before publishing: when the pipeline requires it, the suite runs on the draft and a
    failure refuses the publish. Returns the run (None when the gate is off)."""
    suite = selectors.suite_read(pipeline=pipeline)
    if not suite.require_passing_to_publish:
        return None
    run = suite_run(pipeline=pipeline, workspace=pipeline.workspace, user=user)
    if not run.passed:
        names = [s["name"] for s in run.result["scenarios"] if not s["passed"]]
        raise ApiError(
            FlowTestErrorCode.SUITE_FAILED,
            f"This pipeline requires its tests to pass before publishing: "
            f"{run.failed} of {run.total} failed ({', '.join(names[:3])}).",
            status=422,
            details={"run_id": run.pk, "failed": names},
        )
    return run


def scenario_draft_for_branch(
    *, pipeline: Pipeline, workspace: Workspace, node_id: str, handle: str
) -> dict[str, Any]:
    """A scenario that reaches ``node_id``'s ``handle`` output, and whether it really does
    (it is run once on the draft); it is not saved: the designer reviews it first."""
    facts = graph_facts(pipeline.draft)
    existing = {s.id for s in selectors.suite_read(pipeline=pipeline).scenarios}
    base = f"{node_id}-{handle}".replace(":", "-")[:56]
    scenario_id, counter = base, 2
    while scenario_id in existing:
        scenario_id, counter = f"{base}-{counter}", counter + 1
    drafted = scenario_for_branch(facts, node_id=node_id, handle=handle, scenario_id=scenario_id)
    if drafted is None:
        raise ApiError(
            FlowTestErrorCode.NO_PATH,
            f"No path from Start leaves {node_id} by {handle}: connect it first.",
            status=422,
        )
    document, notes = drafted
    scenario = Scenario.model_validate(document)
    compiled = _compiled(pipeline.draft)

    async def run() -> bool:
        result = await run_scenario(
            compiled=compiled,
            scenario=scenario,
            workspace=workspace,
            pipeline_id=pipeline.pk,
            live_providers=lambda: provider_registry(llm_configs=[]),
        )
        return (node_id, handle) in result.branches

    return {
        "scenario": scenario.model_dump(mode="json"),
        "notes": notes,
        "reaches": async_to_sync(run)(),
    }
