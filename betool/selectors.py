"""Reads of the core: memberships, tokens, balances. Every read is scoped to a workspace."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum

from django.db.models import QuerySet, Sum
from django.utils import timezone

from betool.models import ApiToken, LedgerEntry, MemberInvite, Membership, User, Workspace

CREDIT_CENT = Decimal("0.01")


def membership_for(*, user: User, workspace_slug: str | None = None) -> Membership | None:
    """The user's membership in the named workspace, or their first one."""
    memberships = Membership.objects.select_related("workspace", "user").filter(user=user)
    if workspace_slug:
        return memberships.filter(workspace__slug=workspace_slug).first()
    return memberships.order_by("created_at", "id").first()


def membership_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.select_related("user").filter(workspace=workspace)


def workspace_list_for(*, user: User) -> QuerySet[Workspace]:
    return Workspace.objects.filter(memberships__user=user).order_by("name")


def token_digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def token_membership(*, raw_token: str) -> Membership | None:
    """The membership a live bearer token stands for; records when it was last used."""
    token = (
        ApiToken.objects.select_related("membership__workspace", "membership__user")
        .filter(digest=token_digest(raw_token), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.membership.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.membership


def invite_by_token(*, raw_token: str, for_update: bool = False) -> MemberInvite | None:
    """The open, unexpired invitation a link's token stands for."""
    invites = MemberInvite.objects.select_related("workspace").filter(
        digest=token_digest(raw_token),
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    return (invites.select_for_update() if for_update else invites).first()


def invite_list(*, workspace: Workspace) -> QuerySet[MemberInvite]:
    """The invitations not yet used, revoked or expired."""
    return MemberInvite.objects.filter(
        workspace=workspace,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


def token_list(*, membership: Membership) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(membership=membership, revoked_at__isnull=True)


def workspace_balance(*, workspace: Workspace) -> Decimal:
    total = LedgerEntry.objects.filter(workspace=workspace).aggregate(total=Sum("credits"))
    return (total["total"] or Decimal(0)).quantize(CREDIT_CENT)


def workspace_balances(*, workspace_ids: Iterable[int]) -> dict[int, Decimal]:
    """The balance of each of these workspaces, in one query."""
    ids = set(workspace_ids)
    totals = dict(
        LedgerEntry.objects.filter(workspace_id__in=ids)
        .values_list("workspace_id")
        .annotate(total=Sum("credits"))
        .order_by()
    )
    return {pk: (totals.get(pk) or Decimal(0)).quantize(CREDIT_CENT) for pk in ids}


class CallRefusal(StrEnum):
    NO_CREDITS = "no_credits"


def workspace_call_refusal(*, workspace: Workspace) -> tuple[CallRefusal, str] | None:
    """Why the workspace may not start a new call, or None. Asked before every call.
    A workspace whose policy lets calls run into debt is never refused for its balance."""
    if workspace.stop_calls_at_zero_balance and workspace_balance(workspace=workspace) <= 0:
        return (
            CallRefusal.NO_CREDITS,
            "The workspace has no credits left: top up to place or take calls again.",
        )
    return None
