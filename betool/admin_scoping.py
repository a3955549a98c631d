"""Django admin for staff, scoped to the workspaces the staff member belongs to.

Superusers see everything; other staff see and pick only their own workspaces' rows.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from betool.models import Workspace


def workspaces_of(request: HttpRequest) -> QuerySet[Workspace]:
    if request.user.is_superuser:
        return Workspace.objects.all()
    return Workspace.objects.filter(memberships__user=request.user)  # type: ignore[misc]


class WorkspaceScopedAdmin(admin.ModelAdmin):
    """Filters by ``workspace_path`` (``workspace`` by default) to the staff's workspaces."""

    workspace_path = "workspace"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.workspace_path}__in": workspaces_of(request)})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Workspace:
            kwargs["queryset"] = workspaces_of(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
