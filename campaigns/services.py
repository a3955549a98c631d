"""Writes of campaigns: set-up, the contacts' import, start / pause / resume / cancel, the
dialer's tick, and what each ended call makes of its contact.

State lives only in the database: a tick reads what is due, locks it (``FOR UPDATE SKIP
LOCKED``), places the calls and commits; a call's end (telephony's ``call_end`` calls
``campaign_call_ended`` in its transaction) records the outcome and schedules the retry or
the contact's final state. Any process may die between two of these and the next tick
carries on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from betool.models import Workspace
from campaigns.contacts_import import ImportReport, RowIn, pipeline_contact_variables, validate_rows
from campaigns.dialer import Dialer, OutboundCallDialer
from campaigns.models import (
    Campaign,
    CampaignAttempt,
    CampaignContact,
    CampaignStatus,
    ContactState,
    DoNotCallEntry,
    Outcome,
)
from campaigns.outcomes import call_outcome, refusal_outcome
from campaigns.policy import PolicyInvalid, parse_retry_policy, retry_for
from campaigns.selectors import (
    caller_numbers,
    campaign_version,
    concurrency_ceiling,
    effective_concurrency,
    open_attempt_count,
)
from campaigns.windows import WindowsInvalid, next_opening, parse_windows, zone
from pipelines.models import Pipeline, PipelineVersion
from telephony.models import AnsweringMachineMode, Call, PhoneNumber
from telephony.selectors import CallRejected


class CampaignInvalid(ValueError):
    """Set-up a campaign cannot run with; ``problems`` are ``(field, message)``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


class CampaignStateError(ValueError):
    """An action the campaign's status does not allow (start a cancelled one…)."""


@dataclass(frozen=True)
class CampaignSetup:
    name: str
    pipeline: Pipeline
    pinned_version: PipelineVersion | None
    caller_numbers: Sequence[PhoneNumber]
    calling_windows: dict[str, Any]
    default_time_zone: str
    max_concurrent_calls: int
    retry_policy: dict[str, Any]
    breaker_failure_percent: int = 50
    breaker_window: int = 20
    # "detect", "ignore", or "" (detect when the pipeline has a voicemail branch).
    answering_machine: str = ""


def _setup_problems(*, workspace: Workspace, setup: CampaignSetup) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not setup.name.strip():
        problems.append(("name", "Give the campaign a name."))
    if setup.pipeline.workspace_id != workspace.pk:
        problems.append(("pipeline_id", "Choose one of this workspace's pipelines."))
    version = setup.pinned_version
    if version is not None and version.pipeline_id != setup.pipeline.pk:
        problems.append(("pinned_version", "Pin a published version of the campaign's pipeline."))
    if version is None and not setup.pipeline.versions.exists():
        problems.append(("pipeline_id", f"{setup.pipeline.name} is not published yet."))
    problems += _numbers_problems(workspace=workspace, numbers=setup.caller_numbers)
    for field_name, check in (
        ("calling_windows", lambda: parse_windows(setup.calling_windows)),
        ("default_time_zone", lambda: zone(setup.default_time_zone)),
        ("retry_policy", lambda: parse_retry_policy(setup.retry_policy)),
    ):
        try:
            check()
        except (WindowsInvalid, PolicyInvalid) as exc:
            problems.append((field_name, str(exc)))
    ceiling = concurrency_ceiling(workspace=workspace, numbers=list(setup.caller_numbers))
    if setup.max_concurrent_calls < 1:
        problems.append(("max_concurrent_calls", "Allow at least one call at a time."))
    elif setup.caller_numbers and setup.max_concurrent_calls > ceiling:
        problems.append(
            (
                "max_concurrent_calls",
                f"At most {ceiling} calls at once: the workspace's and the trunks' limits "
                "allow no more.",
            )
        )
    if not 1 <= setup.breaker_failure_percent <= 100:
        problems.append(("breaker_failure_percent", "A percentage from 1 to 100 (100: never)."))
    if not 1 <= setup.breaker_window <= 1000:
        problems.append(("breaker_window", "Count the last 1 to 1000 attempts."))
    return problems


def _numbers_problems(
    *, workspace: Workspace, numbers: Sequence[PhoneNumber]
) -> list[tuple[str, str]]:
    if not numbers:
        return [("caller_number_ids", "Choose at least one number to call from.")]
    problems = []
    for number in numbers:
        if number.workspace_id != workspace.pk:
            problems.append(("caller_number_ids", f"{number.e164} is another workspace's."))
        elif number.trunk is None or not number.trunk.carries_outbound:
            problems.append(
                ("caller_number_ids", f"{number.e164} has no trunk that places outbound calls.")
            )
    return problems


@transaction.atomic
def campaign_create(*, workspace: Workspace, user: Any, setup: CampaignSetup) -> Campaign:
    problems = _setup_problems(workspace=workspace, setup=setup)
    if problems:
        raise CampaignInvalid(problems)
    campaign = Campaign.objects.create(
        workspace=workspace,
        name=setup.name.strip(),
        pipeline=setup.pipeline,
        pinned_version=setup.pinned_version,
        calling_windows=setup.calling_windows,
        default_time_zone=setup.default_time_zone,
        max_concurrent_calls=setup.max_concurrent_calls,
        retry_policy=parse_retry_policy(setup.retry_policy),
        breaker_failure_percent=setup.breaker_failure_percent,
        breaker_window=setup.breaker_window,
        answering_machine=setup.answering_machine,
        created_by=user if getattr(user, "pk", None) else None,
    )
    campaign.caller_numbers.set(setup.caller_numbers)
    return campaign


def _known_zone(name: str) -> bool:
    try:
        zone(name)
    except WindowsInvalid:
        return False
    return True


@transaction.atomic
def campaign_contacts_import(
    *, campaign: Campaign, rows: Iterable[RowIn], default_region: str = "", commit: bool = True
) -> ImportReport:
    """Validate ``rows`` and add the accepted ones (``commit=False``: only the report).
    The report is kept on the campaign, so its page shows it until the campaign starts."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise CampaignStateError("Contacts are added before the campaign starts.")
    version = campaign_version(campaign=campaign)
    report = validate_rows(
        rows,
        required_variables=pipeline_contact_variables(version.graph if version else {}),
        do_not_call=set(
            DoNotCallEntry.objects.filter(workspace_id=campaign.workspace_id).values_list(
                "e164", flat=True
            )
        ),
        existing=set(campaign.contacts.values_list("e164", flat=True)),
        known_zone=_known_zone,
        default_time_zone=campaign.default_time_zone,
        default_region=default_region,
    )
    if not commit:
        return report
    CampaignContact.objects.bulk_create(
        [
            CampaignContact(
                campaign=campaign,
                e164=contact.e164,
                variables=contact.variables,
                time_zone=contact.time_zone,
                source_row=contact.row,
            )
            for contact in report.accepted
        ],
        batch_size=1000,
    )
    campaign.import_report = report.as_dict()
    campaign.save(update_fields=["import_report"])
    return report


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _tick_soon(campaign_id: int) -> None:
    from campaigns.tasks import campaign_tick_task

    transaction.on_commit(lambda: campaign_tick_task.delay(campaign_id))


@transaction.atomic
def campaign_start(*, campaign: Campaign, at: datetime | None = None) -> Campaign:
    at = at or timezone.now()
    campaign = _locked(campaign)
    if campaign.status != CampaignStatus.DRAFT:
        raise CampaignStateError(f"The campaign is {campaign.get_status_display().lower()}.")
    if not campaign.contacts.exists():
        raise CampaignStateError("Import contacts before starting the campaign.")
    if campaign_version(campaign=campaign) is None:
        raise CampaignStateError("The campaign's pipeline has no published version.")
    campaign.contacts.filter(next_attempt_at__isnull=True).update(next_attempt_at=at)
    campaign.status = CampaignStatus.RUNNING
    campaign.status_reason = ""
    campaign.started_at = at
    campaign.breaker_counts_from = at
    campaign.save(update_fields=["status", "status_reason", "started_at", "breaker_counts_from"])
    _tick_soon(campaign.pk)
    return campaign


@transaction.atomic
def campaign_pause(*, campaign: Campaign, reason: str = "") -> Campaign:
    """No new call is placed; the calls in progress go on, and their retries are scheduled."""
    campaign = _locked(campaign)
    if campaign.status != CampaignStatus.RUNNING:
        raise CampaignStateError("Only a running campaign can be paused.")
    campaign.status = CampaignStatus.PAUSED
    campaign.status_reason = reason[:300] or "Paused by a member."
    campaign.save(update_fields=["status", "status_reason"])
    return campaign


@transaction.atomic
def campaign_resume(*, campaign: Campaign, at: datetime | None = None) -> Campaign:
    at = at or timezone.now()
    campaign = _locked(campaign)
    if campaign.status != CampaignStatus.PAUSED:
        raise CampaignStateError("Only a paused campaign can be resumed.")
    campaign.status = CampaignStatus.RUNNING
    campaign.status_reason = ""
    # The circuit breaker counts afresh: the failures that tripped it are behind.
    campaign.breaker_counts_from = at
    campaign.save(update_fields=["status", "status_reason", "breaker_counts_from"])
    _finish_if_done(campaign, at=at)
    _tick_soon(campaign.pk)
    return campaign


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, at: datetime | None = None) -> Campaign:
    """No call is placed any more: every waiting contact ends cancelled; a call in progress
    finishes and its outcome is its contact's last."""
    at = at or timezone.now()
    campaign = _locked(campaign)
    if campaign.status in (CampaignStatus.CANCELLED, CampaignStatus.DONE):
        raise CampaignStateError(f"The campaign is {campaign.get_status_display().lower()}.")
    campaign.contacts.filter(state=ContactState.QUEUED).update(
        state=ContactState.DONE, final_outcome=Outcome.CANCELLED, finished_at=at
    )
    campaign.status = CampaignStatus.CANCELLED
    campaign.status_reason = "Cancelled by a member."
    campaign.save(update_fields=["status", "status_reason"])
    _finish_if_done(campaign, at=at)
    return campaign


@dataclass(frozen=True, slots=True)
class DoNotCallAdded:
    added: int
    # Numbers on the list before (their note is kept), or twice in what was sent.
    already_listed: int


@transaction.atomic
def do_not_call_add(
    *, workspace: Workspace, numbers: Iterable[str], note: str = ""
) -> DoNotCallAdded:
    """Adds E.164 numbers to the workspace's list; those already there stay as they were."""
    sent = list(numbers)
    wanted = list(dict.fromkeys(sent))
    listed = set(
        DoNotCallEntry.objects.filter(workspace=workspace, e164__in=wanted).values_list(
            "e164", flat=True
        )
    )
    new = [e164 for e164 in wanted if e164 not in listed]
    # A concurrent add of the same number is the only conflict left: it is on the list either way.
    DoNotCallEntry.objects.bulk_create(
        [DoNotCallEntry(workspace=workspace, e164=e164, note=note[:200]) for e164 in new],
        ignore_conflicts=True,
    )
    return DoNotCallAdded(added=len(new), already_listed=len(sent) - len(new))


def do_not_call_remove(*, workspace: Workspace, e164: str) -> bool:
    return DoNotCallEntry.objects.filter(workspace=workspace, e164=e164).delete()[0] > 0


# --- the dialer -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TickResult:
    placed: int = 0
    refused: int = 0
    deferred: int = 0  # due outside their window: rescheduled for its opening


@transaction.atomic
def campaign_tick(
    *, campaign_id: int, now: datetime | None = None, dialer: Dialer | None = None
) -> TickResult:
    """Place the calls that are due, as many as the concurrency allows.

    The campaign's row is locked for the tick, skipped when another tick holds it (two
    ticks never dial for one campaign at once); the due contacts are locked with SKIP
    LOCKED; the database refuses a second open attempt for one contact whatever happens.
    """
    now = now or timezone.now()
    dialer = dialer or OutboundCallDialer()
    campaign = (
        Campaign.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("workspace")
        .filter(pk=campaign_id, status=CampaignStatus.RUNNING)
        .first()
    )
    if campaign is None:
        return TickResult()
    numbers = caller_numbers(campaign=campaign)
    version = campaign_version(campaign=campaign)
    if not numbers or version is None:
        _pause(campaign, "Nothing to call with: no caller number, or the pipeline is unpublished.")
        return TickResult()
    capacity = effective_concurrency(campaign=campaign, numbers=numbers) - open_attempt_count(
        campaign=campaign
    )
    if capacity <= 0:
        return TickResult()
    windows = parse_windows(campaign.calling_windows)
    do_not_call = set(
        DoNotCallEntry.objects.filter(workspace_id=campaign.workspace_id).values_list(
            "e164", flat=True
        )
    )
    due = list(
        CampaignContact.objects.select_for_update(skip_locked=True)
        .filter(campaign=campaign, state=ContactState.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")[: max(capacity * 4, 100)]
    )
    placed = refused = deferred = 0
    for contact in due:
        if contact.e164 in do_not_call:
            _contact_final(contact, Outcome.DO_NOT_CALL, at=now)
            continue
        opening = next_opening(windows, at=now, tz=contact.time_zone)
        if opening != now:
            contact.next_attempt_at = opening
            contact.save(update_fields=["next_attempt_at"])
            deferred += 1
            continue
        if placed + refused >= capacity:
            continue
        number = numbers[campaign.next_number_index % len(numbers)]
        campaign.next_number_index += 1
        if _dial(campaign, contact, number=number, version=version, dialer=dialer, at=now):
            placed += 1
        else:
            refused += 1
            if contact.last_outcome == Outcome.REJECTED_BY_LIMIT:
                break  # the line is full now: the next tick tries again
    campaign.save(update_fields=["next_number_index"])
    _finish_if_done(campaign, at=now)
    return TickResult(placed=placed, refused=refused, deferred=deferred)


def _dial(
    campaign: Campaign,
    contact: CampaignContact,
    *,
    number: PhoneNumber,
    version: PipelineVersion,
    dialer: Dialer,
    at: datetime,
) -> bool:
    contact.attempts += 1
    contact.state = ContactState.CALLING
    contact.save(update_fields=["attempts", "state"])
    attempt = CampaignAttempt.objects.create(
        campaign=campaign, contact=contact, number=contact.attempts, started_at=at
    )
    try:
        with transaction.atomic():
            call = dialer.place(
                number=number,
                to_number=contact.e164,
                variables=dict(contact.variables),
                version=version,
                answering_machine=AnsweringMachineMode(campaign.answering_machine)
                if campaign.answering_machine
                else None,
            )
    except CallRejected as refusal:
        _attempt_end(
            attempt,
            contact,
            outcome=refusal_outcome(refusal.reason),
            detail=refusal.message,
            at=at,
            campaign=campaign,
        )
        return False
    attempt.call = call
    attempt.save(update_fields=["call"])
    return True


def campaign_call_ended(call: Call) -> None:
    """Telephony's ``call_end`` tells this, in its transaction, when a call ends."""
    attempt = (
        CampaignAttempt.objects.select_for_update()
        .filter(call_id=call.pk, ended_at__isnull=True)
        .first()
    )
    if attempt is None:
        return  # not a campaign's call (or its outcome is recorded already)
    contact = CampaignContact.objects.select_for_update().get(pk=attempt.contact_id)
    campaign = Campaign.objects.get(pk=attempt.campaign_id)
    outcome = call_outcome(call)
    _attempt_end(
        attempt,
        contact,
        outcome=outcome,
        detail=call.end_reason,
        at=call.ended_at or timezone.now(),
        campaign=campaign,
    )
    if campaign.status == CampaignStatus.RUNNING:
        _tick_soon(campaign.pk)  # a line is free: the next contact need not wait for beat


def _attempt_end(
    attempt: CampaignAttempt,
    contact: CampaignContact,
    *,
    outcome: Outcome,
    detail: str,
    at: datetime,
    campaign: Campaign,
) -> None:
    attempt.outcome = outcome
    attempt.detail = detail[:300]
    attempt.ended_at = at
    attempt.save(update_fields=["outcome", "detail", "ended_at"])
    contact.last_outcome = outcome
    retry = retry_for(campaign.retry_policy, outcome)
    if (
        retry is None
        or contact.attempts >= retry.max_attempts
        or campaign.status == CampaignStatus.CANCELLED
    ):
        _contact_final(contact, outcome, at=at)
    else:
        contact.state = ContactState.QUEUED
        contact.next_attempt_at = at + timedelta(seconds=retry.delay_s)
        contact.save(update_fields=["state", "last_outcome", "next_attempt_at"])
    _breaker_check(campaign, at=at)
    _finish_if_done(campaign, at=at)


def _contact_final(contact: CampaignContact, outcome: Outcome, *, at: datetime) -> None:
    contact.state = ContactState.DONE
    contact.final_outcome = outcome
    contact.finished_at = at
    contact.next_attempt_at = None
    contact.save(
        update_fields=["state", "final_outcome", "finished_at", "next_attempt_at", "last_outcome"]
    )


def _pause(campaign: Campaign, reason: str) -> None:
    Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.RUNNING).update(
        status=CampaignStatus.PAUSED, status_reason=reason[:300]
    )
    campaign.status = CampaignStatus.PAUSED
    campaign.status_reason = reason[:300]


def _breaker_check(campaign: Campaign, *, at: datetime) -> None:
    """Pause a running campaign whose last ``breaker_window`` attempts failed too often."""
    if campaign.status != CampaignStatus.RUNNING or campaign.breaker_failure_percent >= 100:
        return
    ended = CampaignAttempt.objects.filter(campaign=campaign, ended_at__isnull=False)
    if campaign.breaker_counts_from is not None:
        ended = ended.filter(ended_at__gte=campaign.breaker_counts_from)
    window = campaign.breaker_window
    recent = list(ended.order_by("-ended_at", "-id").values_list("outcome", flat=True)[:window])
    if len(recent) < window:
        return
    failed = sum(1 for outcome in recent if outcome == Outcome.FAILED)
    if failed * 100 > campaign.breaker_failure_percent * window:
        _pause(
            campaign,
            f"Circuit breaker: {failed} of the last {window} calls failed "
            f"(more than {campaign.breaker_failure_percent}%). Check the trunk, then resume.",
        )


def _finish_if_done(campaign: Campaign, *, at: datetime) -> None:
    if campaign.status not in (CampaignStatus.RUNNING, CampaignStatus.CANCELLED):
        return
    if campaign.finished_at is not None:
        return
    if campaign.contacts.exclude(state=ContactState.DONE).exists():
        return
    status = CampaignStatus.DONE if campaign.status == CampaignStatus.RUNNING else campaign.status
    Campaign.objects.filter(pk=campaign.pk).update(status=status, finished_at=at)
    campaign.status = status
    campaign.finished_at = at
