"""Who is acting, in which workspace, with which role: resolved once per request or socket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from betool.errors import forbidden
from betool.models import Membership, User, Workspace
from betool.roles import Permission, Role, role_allows

WORKSPACE_HEADER = "HTTP_X_BETOOL_WORKSPACE"
WORKSPACE_SESSION_KEY = "betool_workspace"


@dataclass(frozen=True, slots=True)
class Actor:
    user: User
    membership: Membership

    @property
    def workspace(self) -> Workspace:
        return self.membership.workspace

    @property
    def role(self) -> Role:
        return Role(self.membership.role)

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)

    def require(self, permission: Permission) -> Actor:
        if not self.can(permission):
            raise forbidden(f"Your role ({self.role.value}) does not allow {permission.value}.")
        return self


def actor_of(request: Any) -> Actor:
    """The actor that the API's authentication attached to the request."""
    actor = getattr(request, "auth", None)
    if not isinstance(actor, Actor):
        raise forbidden("No workspace membership.")
    return actor


def require(request: Any, permission: Permission) -> Actor:
    return actor_of(request).require(permission)
