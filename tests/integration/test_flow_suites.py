"""Flow test suites on PostgreSQL: a suite run stored and read back, the publish gate inside
the publish transaction, and ``betool flows test`` as CI runs it, in its own process."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from betool.errors import ApiError
from betool.models import Workspace
from pipelines.flow_tests import selectors
from pipelines.flow_tests.services import suite_run, suite_save
from pipelines.models import FlowSuiteRun, FlowSuiteVersion, Pipeline
from pipelines.services import pipeline_create, pipeline_publish
from tests.integration.conftest import ROOT


def _reminder(workspace: Workspace) -> Pipeline:
    return pipeline_create(
        workspace=workspace, user=None, name="Reminder", template="outbound_reminder"
    )


def _broken(pipeline: Pipeline) -> None:
    document = copy.deepcopy(selectors.suite_document(pipeline=pipeline))
    document["scenarios"][0]["steps"][0]["expect"][1]["equals"] = "maybe"
    document["require_passing_to_publish"] = True
    suite_save(pipeline=pipeline, user=None, document=document)


@pytest.mark.django_db
def test_a_suite_runs_and_its_result_is_kept(workspace: Workspace) -> None:
    pipeline = _reminder(workspace)
    run = suite_run(pipeline=pipeline, workspace=workspace, user=None)
    assert (run.passed, run.total, run.failed) == (True, 4, 0)
    latest = selectors.run_latest(pipeline=pipeline)
    assert latest is not None
    assert latest.pk == run.pk
    assert latest.result["coverage"]["uncovered"] == []
    assert latest.draft_revision == pipeline.draft_revision


@pytest.mark.django_db
def test_the_gate_refuses_and_publishes_nothing_then_a_version_keeps_its_suite(
    workspace: Workspace,
) -> None:
    pipeline = _reminder(workspace)
    _broken(pipeline)
    with pytest.raises(ApiError) as refused:
        pipeline_publish(pipeline=pipeline, user=None)
    assert refused.value.code == "suite_failed"
    assert pipeline.versions.count() == 0
    assert FlowSuiteRun.objects.filter(pipeline=pipeline, passed=False).count() == 1
    document = selectors.suite_document(pipeline=pipeline)
    document["scenarios"] = document["scenarios"][1:]
    suite_save(pipeline=pipeline, user=None, document=document)
    version = pipeline_publish(pipeline=pipeline, user=None)
    assert FlowSuiteVersion.objects.get(version=version).document == document


@pytest.mark.timeout(400)
@pytest.mark.django_db(transaction=True)
def test_the_command_line_exits_1_on_failure_and_writes_junit(
    workspace: Workspace, process_env: dict[str, str], tmp_path: Path
) -> None:
    pipeline = _reminder(workspace)
    command = [sys.executable, "-c", "from betool.cli import main; main()", "flows", "test"]

    def flows(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *args],
            cwd=ROOT,
            env=process_env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    passing = flows("Reminder", "--workspace", workspace.name)
    assert passing.returncode == 0, passing.stderr
    assert "4 passed, 0 failed" in passing.stdout
    # (exit 2, for a suite that cannot run, is tested in the unit tier: one process less here)
    _broken(pipeline)
    junit = tmp_path / "flows.xml"
    failing = flows(str(pipeline.pk), "--junit", str(junit))
    assert failing.returncode == 1, failing.stderr
    assert "expected outcome = 'maybe'; observed outcome = 'confirmed'" in failing.stdout
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("4", "1")
