"""Writes of the core: workspaces, members and roles, API tokens, ledger top-ups."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import available_timezones

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from betool.errors import ApiError, CoreErrorCode, not_found
from betool.meter_sql import QUANTITY_STEP, BilledStep, MeterStep, meter_steps_apply
from betool.models import (
    ApiToken,
    AuditEntry,
    BalanceAlert,
    LedgerEntry,
    LedgerKind,
    MemberInvite,
    Membership,
    User,
    Workspace,
)
from betool.roles import Role
from betool.selectors import invite_by_token, token_digest
from betool.webhooks.events import CreditsLowData, EventType
from betool.webhooks.services import webhook_event_emit

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "btk_"
INVITE_VALID_FOR = timedelta(days=7)
NO_EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


@transaction.atomic
def workspace_create(*, name: str, owner: User) -> Workspace:
    base = slugify(name)[:50] or "workspace"
    slug, n = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    workspace = Workspace.objects.create(name=name, slug=slug)
    Membership.objects.create(user=owner, workspace=workspace, role=Role.OWNER)
    return workspace


@transaction.atomic
def member_add(
    *, workspace: Workspace, username: str, email: str, password: str, role: Role
) -> Membership:
    """Create a user and make them a member; an existing username is refused, not merged."""
    if User.objects.filter(username=username).exists():
        raise ApiError(
            CoreErrorCode.USER_EXISTS, f"A user named {username!r} already exists.", status=409
        )
    user = User.objects.create_user(username=username, email=email, password=password)
    return Membership.objects.create(user=user, workspace=workspace, role=role)


@dataclass(frozen=True, slots=True)
class WorkspaceSettings:
    name: str | None = None
    time_zone: str | None = None
    stop_calls_at_zero_balance: bool | None = None
    end_calls_at_zero_balance: bool | None = None
    low_balance_threshold: Decimal | None = None
    recording_retention_days: int | None = None


def workspace_update(*, workspace: Workspace, changes: WorkspaceSettings) -> Workspace:
    """Renames the workspace or changes its time zone and credit policy (what is not None)."""
    if changes.time_zone is not None and changes.time_zone not in available_timezones():
        raise ApiError(
            CoreErrorCode.INVALID_INPUT,
            f"{changes.time_zone!r} is not a time zone name (e.g. Europe/Paris).",
            status=422,
            details=[{"field": "time_zone", "message": "Choose a time zone from the list."}],
        )
    fields = [name for name in WorkspaceSettings.__slots__ if getattr(changes, name) is not None]
    for name in fields:
        setattr(workspace, name, getattr(changes, name))
    if fields:
        workspace.save(update_fields=fields)
    return workspace


def _ensure_an_owner_remains(*, membership: Membership) -> None:
    if membership.role != Role.OWNER:
        return
    owners = Membership.objects.filter(workspace=membership.workspace, role=Role.OWNER)
    if owners.exclude(pk=membership.pk).count() == 0:
        raise ApiError(
            CoreErrorCode.LAST_OWNER,
            "A workspace needs at least one owner: make someone else owner first.",
            status=409,
        )


def _ensure_actor_may_change(
    *, membership: Membership, actor_role: Role, role: Role | None
) -> None:
    """Only an owner makes, demotes or removes an owner."""
    if actor_role == Role.OWNER:
        return
    if membership.role == Role.OWNER:
        raise ApiError(
            CoreErrorCode.OWNER_PROTECTED,
            "Only an owner can change or remove an owner.",
            status=403,
        )
    if role == Role.OWNER:
        raise ApiError(CoreErrorCode.FORBIDDEN, "Only an owner can make an owner.", status=403)


def _locked_member(*, workspace: Workspace, membership_id: int) -> Membership:
    # The workspace's owners are locked together, so two owners demoting each other at
    # once cannot leave the workspace with none.
    list(Membership.objects.select_for_update().filter(workspace=workspace, role=Role.OWNER))
    membership = (
        Membership.objects.select_for_update()
        .filter(workspace=workspace, pk=membership_id)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise not_found("Member")
    return membership


@transaction.atomic
def member_set_role(
    *, workspace: Workspace, membership_id: int, role: Role, actor_role: Role
) -> Membership:
    membership = _locked_member(workspace=workspace, membership_id=membership_id)
    _ensure_actor_may_change(membership=membership, actor_role=actor_role, role=role)
    if role != Role.OWNER:
        _ensure_an_owner_remains(membership=membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, workspace: Workspace, membership_id: int, actor_role: Role) -> None:
    membership = _locked_member(workspace=workspace, membership_id=membership_id)
    _ensure_actor_may_change(membership=membership, actor_role=actor_role, role=None)
    _ensure_an_owner_remains(membership=membership)
    membership.delete()


def member_invite_create(
    *, workspace: Workspace, role: Role, email: str, created_by: User, actor_role: Role
) -> tuple[MemberInvite, str]:
    """An invitation; returns it and its raw token (shown once, in the link). When an
    email backend is configured and an address given, the link is mailed after the commit."""
    if role == Role.OWNER and actor_role != Role.OWNER:
        raise ApiError(CoreErrorCode.FORBIDDEN, "Only an owner can invite an owner.", status=403)
    raw = secrets.token_urlsafe(32)
    invite = MemberInvite.objects.create(
        workspace=workspace,
        role=role,
        email=email,
        digest=token_digest(raw),
        created_by=created_by,
        expires_at=timezone.now() + INVITE_VALID_FOR,
    )
    return invite, raw


def member_invite_email(*, invite: MemberInvite, link: str) -> bool:
    """Mails the link when the site has an email backend; False when it was not sent."""
    if not invite.email or settings.EMAIL_BACKEND == NO_EMAIL_BACKEND:
        return False
    transaction.on_commit(
        lambda: send_mail(
            subject=f"You are invited to {invite.workspace.name} on betool",
            message=(
                f"You are invited to join {invite.workspace.name} as {invite.role}.\n\n"
                f"Open this link to choose your username and password:\n{link}\n\n"
                f"It works once, until {invite.expires_at:%Y-%m-%d %H:%M} UTC."
            ),
            from_email=None,
            recipient_list=[invite.email],
        )
    )
    return True


def member_invite_revoke(*, workspace: Workspace, invite_id: int) -> None:
    updated = MemberInvite.objects.filter(
        workspace=workspace, pk=invite_id, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not updated:
        raise not_found("Invitation")


@transaction.atomic
def member_invite_accept(*, raw_token: str, username: str, password: str) -> Membership:
    """The invitee's new account, a member of the workspace with the invited role."""
    invite = invite_by_token(raw_token=raw_token, for_update=True)
    if invite is None:
        raise ApiError(
            CoreErrorCode.INVITE_INVALID,
            "This invitation link is not valid any more: ask for a new one.",
            status=404,
        )
    membership = member_add(
        workspace=invite.workspace,
        username=username,
        email=invite.email,
        password=password,
        role=Role(invite.role),
    )
    invite.accepted_at = timezone.now()
    invite.save(update_fields=["accepted_at"])
    return membership


def api_token_create(*, membership: Membership, name: str) -> tuple[ApiToken, str]:
    """A new token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        membership=membership, name=name, prefix=raw[:12], digest=token_digest(raw)
    )
    return token, raw


def api_token_revoke(*, membership: Membership, token_id: int) -> None:
    updated = ApiToken.objects.filter(
        membership=membership, pk=token_id, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not updated:
        raise not_found("Token")


def ledger_credit(
    *,
    workspace: Workspace,
    credits: Decimal,
    kind: LedgerKind,
    reason: str,
    user: User | None,
    source: str | None = None,
    occurred_at: datetime | None = None,
) -> LedgerEntry:
    """A top-up or adjustment (positive or negative) with the reason, as one ledger line."""
    if kind not in (LedgerKind.TOP_UP, LedgerKind.ADJUSTMENT):
        raise ValueError("ledger_credit is for top-ups and adjustments")
    if kind == LedgerKind.TOP_UP and credits <= 0:
        raise ApiError(CoreErrorCode.INVALID_INPUT, "A top-up must add a positive amount.")
    if not reason.strip():
        raise ApiError(CoreErrorCode.INVALID_INPUT, "Say why: a reason is required.")
    try:
        return LedgerEntry.objects.create(
            workspace=workspace,
            source=source or f"manual:{secrets.token_hex(8)}",
            kind=kind,
            credits=credits,
            reason=reason.strip(),
            created_by=user,
            occurred_at=occurred_at or timezone.now(),
        )
    except IntegrityError as exc:
        raise ApiError(
            CoreErrorCode.CONFLICT, "This entry was already recorded.", status=409
        ) from exc


@dataclass(frozen=True, slots=True)
class MeterLine:
    """One kind of usage in a report: its cumulative quantity and how to price it."""

    kind: LedgerKind
    model_name: str
    cumulative_quantity: Decimal
    price: Callable[[Decimal], Decimal]  # cumulative quantity -> cumulative credits
    voice_model_id: int | None = None  # the configuration that did it (its counters)


@dataclass(frozen=True, slots=True)
class MeterReport:
    """One source's cumulative usage report (a call's), as the batch metering applies it."""

    workspace: Workspace
    source: str
    report_sequence: int
    lines: Sequence[MeterLine]
    occurred_at: datetime
    pipeline_id: int | None = None
    phone_number: str = ""
    is_test: bool = False


def ledger_meter_usage(
    *,
    workspace: Workspace,
    source: str,
    report_sequence: int,
    lines: Sequence[MeterLine],
    occurred_at: datetime,
    pipeline_id: int | None = None,
    phone_number: str = "",
    is_test: bool = False,
) -> list[BilledStep]:
    """Bills one cumulative usage report (see ``ledger_meter_reports``)."""
    report = MeterReport(
        workspace=workspace,
        source=source,
        report_sequence=report_sequence,
        lines=lines,
        occurred_at=occurred_at,
        pipeline_id=pipeline_id,
        phone_number=phone_number,
        is_test=is_test,
    )
    return ledger_meter_reports(reports=[report])


def ledger_meter_reports(*, reports: Sequence[MeterReport]) -> list[BilledStep]:
    """Bills a batch of cumulative usage reports, of any sources, in one transaction: for each
    meter, only what ``price(largest quantity)`` adds to what it has billed. Returns the
    ledger entries written, as steps.

    Duplicates, retries and reports overtaken by a later one (in the batch or before it) find
    nothing left to bill. The batch is coalesced to one step per meter (its largest quantity),
    then applied with set-based SQL (``betool.meter_sql``): no meter is read before it is
    written, and each meter's steps number its ledger entries, so the ledger's unique
    ``(source, kind, model_name, sequence)`` could never take the same step twice.
    """
    with transaction.atomic():
        return meter_steps_apply(_coalesce(reports))


def _coalesce(reports: Sequence[MeterReport]) -> list[MeterStep]:
    best: dict[tuple[int, str, str, str], tuple[Decimal, int, MeterLine, MeterReport]] = {}
    last_report: dict[tuple[int, str, str, str], int] = {}
    for report in reports:
        for line in report.lines:
            quantity = line.cumulative_quantity.quantize(QUANTITY_STEP)
            if quantity <= 0:
                continue
            key = (report.workspace.pk, report.source, str(line.kind), line.model_name)
            last_report[key] = max(report.report_sequence, last_report.get(key, 0))
            seen = best.get(key)
            if seen is None or (quantity, report.report_sequence) > seen[:2]:
                best[key] = (quantity, report.report_sequence, line, report)
    steps = []
    for key in sorted(best):  # key order: concurrent batches lock meters in the same order
        quantity, _, line, report = best[key]
        steps.append(
            MeterStep(
                *key,
                quantity=quantity,
                credits=line.price(quantity),
                last_report=last_report[key],
                occurred_at=report.occurred_at,
                pipeline_id=report.pipeline_id,
                phone_number=report.phone_number,
                is_test=report.is_test,
                voice_model_id=line.voice_model_id,
            )
        )
    return steps


def balance_alerts_check(*, workspace: Workspace) -> BalanceAlert | None:
    """Opens an alert when the balance is under the threshold, resolves it once it is not.
    At most one alert is open per workspace."""
    from betool.selectors import workspace_balance

    balance = workspace_balance(workspace=workspace)
    open_alert = BalanceAlert.objects.filter(workspace=workspace, resolved_at__isnull=True).first()
    if balance >= workspace.low_balance_threshold:
        if open_alert is not None:
            open_alert.resolved_at = timezone.now()
            open_alert.save(update_fields=["resolved_at"])
        return None
    if open_alert is not None:
        return open_alert
    alert = BalanceAlert.objects.create(
        workspace=workspace, balance=balance, threshold=workspace.low_balance_threshold
    )
    logger.warning(
        "workspace %s is low on credits: %s < %s", workspace.slug, balance, alert.threshold
    )
    webhook_event_emit(
        workspace_id=workspace.pk,
        event=EventType.CREDITS_LOW,
        data=CreditsLowData(balance=str(balance), threshold=str(alert.threshold)),
    )
    return alert


def audit_record(
    *,
    workspace: Workspace,
    action: str,
    summary: str,
    data: dict[str, object] | None = None,
    actor: User | None = None,
) -> AuditEntry:
    """Appends to the workspace's audit log; ``actor`` None is the system (a scheduled task)."""
    return AuditEntry.objects.create(
        workspace=workspace, actor=actor, action=action, summary=summary[:300], data=data or {}
    )
