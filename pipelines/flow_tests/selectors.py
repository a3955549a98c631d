"""Reads of suites: the draft's, a version's, the latest run."""

from __future__ import annotations

from typing import Any

from pipelines.flow_tests.models import FlowSuite, FlowSuiteRun, FlowSuiteVersion
from pipelines.flow_tests.spec import Suite, empty_suite, suite_parse
from pipelines.models import Pipeline, PipelineVersion


def suite_of(*, pipeline: Pipeline) -> FlowSuite | None:
    return FlowSuite.objects.filter(pipeline=pipeline).first()


def suite_document(*, pipeline: Pipeline, version: PipelineVersion | None = None) -> dict[str, Any]:
    """The draft's suite, or the one published with ``version`` (the draft's when that
    version was published before it had a suite)."""
    if version is not None:
        published = FlowSuiteVersion.objects.filter(version=version).first()
        if published is not None:
            return dict(published.document)
    suite = suite_of(pipeline=pipeline)
    return dict(suite.document) if suite else empty_suite()


def suite_read(*, pipeline: Pipeline, version: PipelineVersion | None = None) -> Suite:
    return suite_parse(suite_document(pipeline=pipeline, version=version))


def run_latest(*, pipeline: Pipeline, version_number: int | None = None) -> FlowSuiteRun | None:
    return (
        FlowSuiteRun.objects.filter(pipeline=pipeline, version_number=version_number)
        .order_by("-created_at", "-id")
        .first()
    )
