"""Core API: the signed-in member, workspaces and their settings, members, invitations and
roles, API tokens, health."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from betool import selectors, services
from betool.access import WORKSPACE_SESSION_KEY, Actor, actor_of, require
from betool.async_views import off_the_loop
from betool.errors import ApiError, CoreErrorCode
from betool.health import health_report
from betool.roles import ROLE_PERMISSIONS, Permission, Role

router = Router(tags=["core"])


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str


class WorkspaceSettingsOut(WorkspaceOut):
    time_zone: str
    stop_calls_at_zero_balance: bool
    end_calls_at_zero_balance: bool
    low_balance_threshold: Decimal
    max_concurrent_calls: int
    recording_retention_days: int = Field(description="0: recordings and transcripts are kept.")


class WorkspaceIn(Schema):
    name: str = Field(min_length=1, max_length=120)


class WorkspacePatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    time_zone: str | None = Field(default=None, max_length=64)
    stop_calls_at_zero_balance: bool | None = None
    end_calls_at_zero_balance: bool | None = None
    low_balance_threshold: Decimal | None = Field(
        default=None, ge=0, max_digits=14, decimal_places=2
    )
    recording_retention_days: int | None = Field(
        default=None, ge=0, le=36500, description="0 keeps recordings and transcripts."
    )


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


class InviteIn(Schema):
    role: Role
    email: str = Field(default="", max_length=254, pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$")


class InviteOut(Schema):
    id: int
    role: Role
    email: str
    created_at: datetime
    expires_at: datetime


class InviteCreatedOut(InviteOut):
    link: str = Field(description="Shown once: the invitee opens it to choose a password.")
    emailed: bool


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
async def me(request: HttpRequest) -> MeOut:
    return await off_the_loop(_me, actor_of(request))


def _me(actor: Actor) -> MeOut:
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


@router.post("/workspaces", response={201: WorkspaceOut})
def workspace_create(request: HttpRequest, payload: WorkspaceIn) -> Status[WorkspaceOut]:
    """Any signed-in person may start a workspace; they are its owner, and it becomes the
    session's current workspace."""
    actor = actor_of(request)
    workspace = services.workspace_create(name=payload.name, owner=actor.user)
    if hasattr(request, "session"):
        request.session[WORKSPACE_SESSION_KEY] = workspace.slug
    return Status(201, WorkspaceOut.from_orm(workspace))


@router.get("/workspace", response=WorkspaceSettingsOut)
def workspace_settings(request: HttpRequest) -> Any:
    return actor_of(request).workspace


@router.patch("/workspace", response=WorkspaceSettingsOut)
def workspace_update(request: HttpRequest, payload: WorkspacePatch) -> Any:
    actor = require(request, Permission.WORKSPACE_MANAGE)
    changes = services.WorkspaceSettings(**payload.model_dump(exclude_none=True))
    return services.workspace_update(workspace=actor.workspace, changes=changes)


@router.get("/members", response=list[MemberOut])
def member_list(request: HttpRequest) -> list[MemberOut]:
    actor = require(request, Permission.MEMBERS_MANAGE)
    return [_member_out(m) for m in selectors.membership_list(workspace=actor.workspace)]


@router.post("/members", response={201: MemberOut})
def member_add(request: HttpRequest, payload: MemberIn) -> Status[MemberOut]:
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
    return Status(201, _member_out(membership))


@router.patch("/members/{membership_id}", response=MemberOut)
def member_set_role(request: HttpRequest, membership_id: int, payload: RoleIn) -> MemberOut:
    actor = require(request, Permission.MEMBERS_MANAGE)
    membership = services.member_set_role(
        workspace=actor.workspace,
        membership_id=membership_id,
        role=payload.role,
        actor_role=actor.role,
    )
    return _member_out(membership)


@router.delete("/members/{membership_id}", response={204: None})
def member_remove(request: HttpRequest, membership_id: int) -> Status[None]:
    actor = require(request, Permission.MEMBERS_MANAGE)
    services.member_remove(
        workspace=actor.workspace, membership_id=membership_id, actor_role=actor.role
    )
    return Status(204, None)


@router.get("/invites", response=list[InviteOut])
def invite_list(request: HttpRequest) -> Any:
    actor = require(request, Permission.MEMBERS_MANAGE)
    return selectors.invite_list(workspace=actor.workspace)


@router.post("/invites", response={201: InviteCreatedOut})
def invite_create(request: HttpRequest, payload: InviteIn) -> Status[InviteCreatedOut]:
    actor = require(request, Permission.MEMBERS_MANAGE)
    invite, raw = services.member_invite_create(
        workspace=actor.workspace,
        role=payload.role,
        email=payload.email,
        created_by=actor.user,
        actor_role=actor.role,
    )
    link = request.build_absolute_uri(reverse("invite-accept", args=[raw]))
    emailed = services.member_invite_email(invite=invite, link=link)
    out = InviteCreatedOut(
        id=invite.id,
        role=Role(invite.role),
        email=invite.email,
        created_at=invite.created_at,
        expires_at=invite.expires_at,
        link=link,
        emailed=emailed,
    )
    return Status(201, out)


@router.delete("/invites/{invite_id}", response={204: None})
def invite_revoke(request: HttpRequest, invite_id: int) -> Status[None]:
    actor = require(request, Permission.MEMBERS_MANAGE)
    services.member_invite_revoke(workspace=actor.workspace, invite_id=invite_id)
    return Status(204, None)


@router.get("/tokens", response=list[TokenOut])
def token_list(request: HttpRequest) -> Any:
    return selectors.token_list(membership=actor_of(request).membership)


@router.post("/tokens", response={201: TokenCreatedOut})
def token_create(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
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
    return Status(201, out)


@router.delete("/tokens/{token_id}", response={204: None})
def token_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    services.api_token_revoke(membership=actor_of(request).membership, token_id=token_id)
    return Status(204, None)
