"""Pipelines: a draft graph that designers edit, and immutable numbered published versions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from betool.models import Workspace


def empty_graph() -> dict[str, Any]:
    from pipelines.graph.document import new_document

    return new_document()


class Pipeline(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="pipelines")
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    draft = models.JSONField(default=empty_graph)
    # Bumped by every save; a save that names an older revision is stale and refused.
    draft_revision = models.PositiveIntegerField(default=1)
    # The draft as of the last publish or restore; "unpublished changes" compares against it.
    draft_published_revision = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["workspace", "name"])]

    def __str__(self) -> str:
        return self.name


class PipelineVersion(models.Model):
    """A published graph. Never changed after creation; numbers and calls run only these."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    graph = models.JSONField()
    note = models.CharField(max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "number"], name="one_number_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.pipeline} v{self.number}"


# Test suites live in their own module; Django finds an app's models through this one.
from pipelines.flow_tests.models import FlowSuite, FlowSuiteRun, FlowSuiteVersion  # noqa: E402

__all__ = ["FlowSuite", "FlowSuiteRun", "FlowSuiteVersion", "Pipeline", "PipelineVersion"]
