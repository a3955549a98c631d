from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from betool.admin_scoping import WorkspaceScopedAdmin
from pipelines.models import Pipeline, PipelineVersion


class VersionInline(admin.TabularInline):
    model = PipelineVersion
    fields = ["number", "note", "author", "created_at"]
    readonly_fields = ["number", "note", "author", "created_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Pipeline)
class PipelineAdmin(WorkspaceScopedAdmin):
    list_display = ["name", "workspace", "draft_revision", "updated_by", "updated_at"]
    search_fields = ["name", "description"]
    list_filter = ["workspace"]
    readonly_fields = ["draft_revision", "draft_published_revision", "created_at", "updated_at"]
    inlines = [VersionInline]


@admin.register(PipelineVersion)
class PipelineVersionAdmin(WorkspaceScopedAdmin):
    """Published versions are immutable: shown, never edited."""

    workspace_path = "pipeline__workspace"
    list_display = ["pipeline", "number", "note", "author", "created_at"]
    search_fields = ["pipeline__name", "note"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
