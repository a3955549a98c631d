"""Core API: the signed-in member, workspace members and roles, API tokens, health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest
from ninja import Field, Router, Schema

from betool import selectors, services
from betool.access import WORKSPACE_SESSION_KEY, actor_of, require
from betool.errors import ApiError, CoreErrorCode
from betool.health import health_report
from betool.roles import ROLE_PERMISSIONS, Permission, Role

router = Router(tags=["core"])


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str


class MeOut(Schema):
    username: str
    email: str
    workspace: WorkspaceOut
    role: Role
    permissions: list[str]
    workspaces: list[WorkspaceOut]


class MemberOut(Schema):
    id: int
    username: str
    email: str
    role: Role
    created_at: datetime


class MemberIn(Schema):
    username: str = Field(min_length=2, max_length=150, pattern=r"^[\w.@+-]+$")
    email: str = Field(default="", max_length=254)
    password: str = Field(min_length=10, max_length=128)
    role: Role


class RoleIn(Schema):
    role: Role


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=80)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="Shown once; store it now.")


class SwitchIn(Schema):
    slug: str


def _member_out(m: Any) -> MemberOut:
    return MemberOut(
        id=m.id, username=m.user.username, email=m.user.email, role=m.role, created_at=m.created_at
    )


@router.get("/health", auth=None, response=dict[str, Any])
async def health(request: HttpRequest) -> dict[str, Any]:
    return await sync_to_async(health_report, thread_sensitive=False)()


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    actor = actor_of(request)
    workspaces = selectors.workspace_list_for(user=actor.user)
    return MeOut(
        username=actor.user.username,
        email=actor.user.email,
        workspace=WorkspaceOut.from_orm(actor.workspace),
        role=actor.role,
        permissions=sorted(p.value for p in ROLE_PERMISSIONS[actor.role]),
        workspaces=[WorkspaceOut.from_orm(w) for w in workspaces],
    )


@router.post("/me/workspace", response=WorkspaceOut)
def switch_workspace(request: HttpRequest, payload: SwitchIn) -> WorkspaceOut:
    actor = actor_of(request)
    membership = selectors.membership_for(user=actor.user, workspace_slug=payload.slug)
    if membership is None:
        raise ApiError(
            CoreErrorCode.NO_WORKSPACE, "You are not a member of that workspace.", status=403
        )
    request.session[WORKSPACE_SESSION_KEY] = membership.workspace.slug
    return WorkspaceOut.from_orm(membership.workspace)


@router.get("/members", response=list[MemberOut])
def member_list(request: HttpRequest) -> list[MemberOut]:
    actor = require(request, Permission.MEMBERS_MANAGE)
    return [_member_out(m) for m in selectors.membership_list(workspace=actor.workspace)]


@router.post("/members", response={201: MemberOut})
def member_add(request: HttpRequest, payload: MemberIn) -> tuple[int, MemberOut]:
    actor = require(request, Permission.MEMBERS_MANAGE)
    if payload.role == Role.OWNER and actor.role != Role.OWNER:
        raise ApiError(CoreErrorCode.FORBIDDEN, "Only an owner can add an owner.", status=403)
    membership = services.member_add(
        workspace=actor.workspace,
        username=payload.username,
        email=payload.email,
        password=payload.password,
        role=payload.role,
    )
    return 201, _member_out(membership)


@router.patch("/members/{membership_id}", response=MemberOut)
def member_set_role(request: HttpRequest, membership_id: int, payload: RoleIn) -> MemberOut:
    actor = require(request, Permission.MEMBERS_MANAGE)
    if payload.role == Role.OWNER and actor.role != Role.OWNER:
        raise ApiError(CoreErrorCode.FORBIDDEN, "Only an owner can make an owner.", status=403)
    membership = services.member_set_role(
        workspace=actor.workspace, membership_id=membership_id, role=payload.role
    )
    return _member_out(membership)


@router.delete("/members/{membership_id}", response={204: None})
def member_remove(request: HttpRequest, membership_id: int) -> tuple[int, None]:
    actor = require(request, Permission.MEMBERS_MANAGE)
    services.member_remove(workspace=actor.workspace, membership_id=membership_id)
    return 204, None


@router.get("/tokens", response=list[TokenOut])
def token_list(request: HttpRequest) -> Any:
    return selectors.token_list(membership=actor_of(request).membership)


@router.post("/tokens", response={201: TokenCreatedOut})
def token_create(request: HttpRequest, payload: TokenIn) -> tuple[int, TokenCreatedOut]:
    token, raw = services.api_token_create(
        membership=actor_of(request).membership, name=payload.name
    )
    out = TokenCreatedOut(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=None,
        token=raw,
    )
    return 201, out


@router.delete("/tokens/{token_id}", response={204: None})
def token_revoke(request: HttpRequest, token_id: int) -> tuple[int, None]:
    services.api_token_revoke(membership=actor_of(request).membership, token_id=token_id)
    return 204, None
