"""``betool flows test``: exit 0 when the suite passes, 1 when a scenario fails, 2 when it
cannot run; JUnit XML a CI system reads."""

from __future__ import annotations

import copy
from io import StringIO
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from betool.models import Workspace
from pipelines.flow_tests.services import suite_save
from pipelines.models import Pipeline
from pipelines.services import pipeline_create, pipeline_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminder(workspace: Workspace) -> Pipeline:
    return pipeline_create(
        workspace=workspace, user=None, name="Reminder", template="outbound_reminder"
    )


def _break_one(pipeline: Pipeline) -> None:
    """Make the 'confirm' scenario expect what the flow does not do."""
    document = copy.deepcopy(Pipeline.objects.get(pk=pipeline.pk).flow_suite.document)
    document["scenarios"][0]["steps"][0]["expect"][1]["equals"] = "maybe"
    suite_save(pipeline=pipeline, user=None, document=document)


def _flows(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("flows", "test", *args, stdout=out)
    except CommandError as error:
        return error.returncode, f"{out.getvalue()}{error}"
    return 0, out.getvalue()


def test_a_passing_suite_exits_0_and_writes_junit(reminder: Pipeline, tmp_path: Path) -> None:
    junit = tmp_path / "flows.xml"
    code, output = _flows("Reminder", "--junit", str(junit))
    assert code == 0, output
    assert "PASS A yes confirms the appointment" in output
    assert "4 passed, 0 failed" in output
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("Reminder", "4", "0")
    assert next(case.get("name") for case in suite.iter("testcase")) == (
        "A yes confirms the appointment"
    )
    assert list(suite.iter("failure")) == []


def test_a_failing_suite_exits_1_with_expected_and_observed(
    reminder: Pipeline, tmp_path: Path
) -> None:
    _break_one(reminder)
    junit = tmp_path / "flows.xml"
    code, output = _flows(str(reminder.pk), "--junit", str(junit))
    assert code == 1
    assert "FAIL A yes confirms the appointment" in output
    assert "expected outcome = 'maybe'; observed outcome = 'confirmed'" in output
    assert "3 passed, 1 failed" in output
    [failure] = ElementTree.parse(junit).getroot().iter("failure")
    assert failure.get("message") == "expected outcome = 'maybe'; observed outcome = 'confirmed'"
    assert "step 1 (Yes, I will be there)" in (failure.text or "")


def test_a_version_is_tested_by_its_own_suite(reminder: Pipeline) -> None:
    pipeline_publish(pipeline=reminder, user=None)
    _break_one(reminder)
    assert _flows("Reminder", "--version", "1")[0] == 0
    assert _flows("Reminder")[0] == 1
    code, output = _flows("Reminder", "--version", "7")
    assert (code, "Version 7 does not exist." in output) == (2, True)


def test_what_cannot_run_exits_2(reminder: Pipeline) -> None:
    code, output = _flows("No such pipeline")
    assert (code, output) == (2, "No pipeline 'No such pipeline'.")
    code, output = _flows("Reminder", "--scenario", "ghost")
    assert (code, output) == (2, "The suite has no scenario 'ghost'.")
