"""Roles and what each may do. The one place that answers "may this member do that?"."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    DESIGNER = "designer"
    FINANCE = "finance"


class Permission(StrEnum):
    PIPELINES_VIEW = "pipelines.view"
    PIPELINES_EDIT = "pipelines.edit"
    PIPELINES_TEST = "pipelines.test"
    PIPELINES_PUBLISH = "pipelines.publish"
    CALLS_VIEW = "calls.view"
    CALLS_PLACE = "calls.place"
    TELEPHONY_MANAGE = "telephony.manage"
    VOICE_MODELS_VIEW = "voice_models.view"
    VOICE_MODELS_MANAGE = "voice_models.manage"
    MEMBERS_MANAGE = "members.manage"
    USAGE_VIEW = "usage.view"
    BALANCE_MANAGE = "balance.manage"
    PRICES_MANAGE = "prices.manage"
    WORKSPACE_MANAGE = "workspace.manage"
    WEBHOOKS_MANAGE = "webhooks.manage"
    # Playing a call's recording in the browser; every play is logged.
    RECORDINGS_LISTEN = "recordings.listen"
    # Taking a copy away (out of retention's reach), and reading who accessed recordings.
    RECORDINGS_DOWNLOAD = "recordings.download"


_DESIGNER = {
    Permission.PIPELINES_VIEW,
    Permission.PIPELINES_EDIT,
    Permission.PIPELINES_TEST,
    Permission.PIPELINES_PUBLISH,
    Permission.CALLS_VIEW,
    Permission.VOICE_MODELS_VIEW,
    Permission.RECORDINGS_LISTEN,
}
_ADMIN = {
    Permission.PIPELINES_VIEW,
    Permission.CALLS_VIEW,
    Permission.CALLS_PLACE,
    Permission.TELEPHONY_MANAGE,
    Permission.VOICE_MODELS_VIEW,
    Permission.VOICE_MODELS_MANAGE,
    Permission.MEMBERS_MANAGE,
    Permission.PRICES_MANAGE,
    Permission.USAGE_VIEW,
    Permission.WEBHOOKS_MANAGE,
    Permission.RECORDINGS_LISTEN,
    Permission.RECORDINGS_DOWNLOAD,
}
_FINANCE = {
    Permission.CALLS_VIEW,
    Permission.USAGE_VIEW,
    Permission.BALANCE_MANAGE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(_ADMIN),
    Role.DESIGNER: frozenset(_DESIGNER),
    Role.FINANCE: frozenset(_FINANCE),
}


def role_allows(role: Role | str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[Role(role)]
