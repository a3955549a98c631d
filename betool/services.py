"""Writes of the core: workspaces, members and roles, API tokens, ledger top-ups."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from betool.errors import ApiError, CoreErrorCode, not_found
from betool.meter_sql import QUANTITY_STEP, BilledStep, MeterStep, meter_steps_apply
from betool.models import (
    ApiToken,
    BalanceAlert,
    LedgerEntry,
    LedgerKind,
    Membership,
    User,
    Workspace,
)
from betool.roles import Role
from betool.selectors import token_digest

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "btk_"


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


@transaction.atomic
def member_set_role(*, workspace: Workspace, membership_id: int, role: Role) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .filter(workspace=workspace, pk=membership_id)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise not_found("Member")
    if role != Role.OWNER:
        _ensure_an_owner_remains(membership=membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, workspace: Workspace, membership_id: int) -> None:
    membership = Membership.objects.filter(workspace=workspace, pk=membership_id).first()
    if membership is None:
        raise not_found("Member")
    _ensure_an_owner_remains(membership=membership)
    membership.delete()


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
    return alert
