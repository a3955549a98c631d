"""The demo pipeline ships with a suite that passes on the embedded defaults (no model
server: the scenarios bring their model's answers), on the draft and on the published version."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from pipelines.flow_tests.services import suite_run
from pipelines.models import Pipeline

pytestmark = pytest.mark.django_db


def test_the_demo_pipelines_suite_passes_on_the_draft_and_its_version() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    pipeline = Pipeline.objects.get(name="Front desk (demo)")
    for version in ("draft", 1):
        run = suite_run(pipeline=pipeline, workspace=pipeline.workspace, user=None, version=version)
        assert run.total >= 4
        assert run.passed, [s["first_failure"] for s in run.result["scenarios"]]
