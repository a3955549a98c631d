from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from betool.admin_scoping import WorkspaceScopedAdmin, workspaces_of
from betool.models import ApiToken, LedgerEntry, Membership, User, Workspace

admin.site.site_header = "betool administration"
admin.site.site_title = "betool admin"


@admin.register(User)
class BetoolUserAdmin(UserAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(memberships__workspace__in=workspaces_of(request)).distinct()


@admin.register(Workspace)
class WorkspaceAdmin(WorkspaceScopedAdmin):
    list_display = ["name", "slug", "max_concurrent_calls", "created_at"]
    search_fields = ["name", "slug"]
    workspace_path = "pk"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Workspace]:
        return workspaces_of(request)


@admin.register(Membership)
class MembershipAdmin(WorkspaceScopedAdmin):
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email"]


@admin.register(ApiToken)
class ApiTokenAdmin(WorkspaceScopedAdmin):
    workspace_path = "membership__workspace"
    list_display = ["name", "prefix", "membership", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
    exclude = ["digest"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(WorkspaceScopedAdmin):
    list_display = ["occurred_at", "workspace", "kind", "credits", "source", "is_test"]
    list_filter = ["kind", "is_test"]
    search_fields = ["source", "reason"]
    date_hierarchy = "occurred_at"

    # The ledger is append-only: corrections are new adjustment entries.
    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
