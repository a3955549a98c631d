"""A pipeline's test suite: the draft's (edited), a copy per published version, and runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pipelines.flow_tests.spec import empty_suite


class FlowSuite(models.Model):
    """The suite of a pipeline's draft, edited in the Tests tab."""

    pipeline = models.OneToOneField(
        "pipelines.Pipeline", on_delete=models.CASCADE, related_name="flow_suite"
    )
    # A ``spec.Suite`` as JSON: scenarios and the publish-gate setting.
    document = models.JSONField(default=empty_suite)
    revision = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "pipelines"

    def __str__(self) -> str:
        return f"tests of pipeline {self.pipeline_id}"


class FlowSuiteVersion(models.Model):
    """The suite as it was when a version was published: a version is tested by its own."""

    version = models.OneToOneField(
        "pipelines.PipelineVersion", on_delete=models.CASCADE, related_name="flow_suite"
    )
    document = models.JSONField()

    class Meta:
        app_label = "pipelines"

    def __str__(self) -> str:
        return f"tests of version {self.version_id}"


class FlowSuiteRun(models.Model):
    """One run of a suite; the latest gives the editor its marks and the publish dialog
    its result."""

    pipeline = models.ForeignKey(
        "pipelines.Pipeline", on_delete=models.CASCADE, related_name="flow_suite_runs"
    )
    # None: the draft, at ``draft_revision``.
    version_number = models.PositiveIntegerField(null=True, blank=True)
    draft_revision = models.PositiveIntegerField(null=True, blank=True)
    suite_revision = models.PositiveIntegerField(null=True, blank=True)
    passed = models.BooleanField()
    total = models.PositiveIntegerField()
    failed = models.PositiveIntegerField()
    result = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "pipelines"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["pipeline", "-created_at"])]

    def __str__(self) -> str:
        return f"run {self.pk}: {self.total - self.failed}/{self.total} passed"
