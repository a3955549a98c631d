"""Campaigns: set-up, the contacts' import with its validation report, start / pause /
resume / cancel, live progress; and the workspace's do-not-call list.

Reading takes ``calls.view``; anything that places calls or edits the list, ``calls.place``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from betool.access import Actor, require
from betool.errors import ApiError, CoreErrorCode, not_found
from betool.roles import Permission
from campaigns import selectors, services
from campaigns.contacts_import import (
    ImportInvalid,
    ImportReport,
    RowIn,
    normalise_number,
    rows_from_csv,
)
from campaigns.errors import CampaignErrorCode
from campaigns.models import Campaign, CampaignContact, CampaignStatus, ContactState, Outcome
from campaigns.policy import DEFAULT_RETRY_POLICY
from campaigns.selectors import (
    caller_numbers,
    campaign_progress,
    campaigns_of,
    effective_concurrency,
)
from campaigns.windows import DEFAULT_WINDOWS
from pipelines.models import Pipeline
from telephony.models import PhoneNumber

router = Router(tags=["campaigns"])


class ProgressOut(Schema):
    total: int
    waiting: int
    dialing: int
    in_call: int
    to_retry: int
    done: int
    attempts: int
    final_outcomes: dict[str, int]
    attempt_outcomes: dict[str, int]
    credits_spent: Decimal


class RejectedRowOut(Schema):
    row: int
    number: str
    reason: str
    message: str


class ImportReportOut(Schema):
    total_rows: int
    accepted: int
    rejected: list[RejectedRowOut]
    required_variables: list[str]


class CampaignOut(Schema):
    id: int
    name: str
    status: CampaignStatus
    status_reason: str
    pipeline_id: int
    pipeline_name: str
    pinned_version: int | None
    caller_number_ids: list[int]
    caller_numbers: list[str]
    calling_windows: dict[str, list[list[str]]]
    default_time_zone: str
    max_concurrent_calls: int
    effective_concurrency: int
    retry_policy: dict[str, dict[str, int]]
    breaker_failure_percent: int
    breaker_window: int
    answering_machine: str
    import_report: ImportReportOut | None
    progress: ProgressOut
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class CampaignIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    pipeline_id: int
    pinned_version: int | None = Field(
        default=None, description="A published version number; null: the latest"
    )
    caller_number_ids: list[int] = Field(min_length=1, max_length=100)
    calling_windows: dict[str, list[list[str]]] = Field(
        default_factory=lambda: DEFAULT_WINDOWS,
        description="Local times per weekday in the contact's time zone: "
        '{"mon": [["09:00", "18:00"]]}',
    )
    default_time_zone: str = Field(
        default="", max_length=64, description="Empty: the workspace's time zone"
    )
    max_concurrent_calls: int = Field(default=1, ge=1, le=1000)
    retry_policy: dict[str, dict[str, int]] = Field(
        default_factory=lambda: {str(k): dict(v) for k, v in DEFAULT_RETRY_POLICY.items()},
        description="Per outcome (busy, no_answer, voicemail, failed, rejected_by_limit): "
        "delay_s and max_attempts (attempts in all)",
    )
    breaker_failure_percent: int = Field(default=50, ge=1, le=100)
    breaker_window: int = Field(default=20, ge=1, le=1000)
    answering_machine: Literal["", "detect", "ignore"] = Field(
        default="",
        description="Voicemail: detect it and take the Start node's voicemail branch, ignore it, "
        "or empty: detect when the pipeline has a voicemail branch",
    )


class ContactRowIn(Schema):
    number: str = Field(max_length=40)
    variables: dict[str, str] = Field(default_factory=dict)
    time_zone: str = Field(default="", max_length=64)


class ContactsIn(Schema):
    csv: str | None = Field(default=None, description="A CSV with a header: number, variables…")
    contacts: list[ContactRowIn] | None = Field(default=None, max_length=50_000)
    default_region: str = Field(
        default="", max_length=2, description="ISO country for numbers written without +"
    )


class ContactOut(Schema):
    id: int
    e164: str
    variables: dict[str, Any]
    time_zone: str
    state: ContactState
    attempts: int
    next_attempt_at: datetime | None
    last_outcome: str
    final_outcome: str
    source_row: int


class ContactPage(Schema):
    items: list[ContactOut]
    total: int
    limit: int
    offset: int


class ContactQuery(Schema):
    state: ContactState | None = None
    outcome: Outcome | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class DoNotCallOut(Schema):
    e164: str
    note: str
    created_at: datetime


class DoNotCallIn(Schema):
    numbers: list[str] = Field(min_length=1, max_length=10_000)
    note: str = Field(default="", max_length=200)
    default_region: str = Field(default="", max_length=2)


class DoNotCallQuery(Schema):
    search: str = Field(default="", max_length=60)
    limit: int = Field(default=10_000, ge=1, le=10_000)


class DoNotCallAdded(Schema):
    added: int
    # On the list before (their note is kept), or sent twice.
    already_listed: int
    # Each with the number as it was sent and why it is not one: nothing else was lost.
    rejected: list[RejectedRowOut]


def _out(campaign: Campaign) -> dict[str, Any]:
    numbers = caller_numbers(campaign=campaign)
    progress = campaign_progress(campaign=campaign)
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "status": campaign.status,
        "status_reason": campaign.status_reason,
        "pipeline_id": campaign.pipeline_id,
        "pipeline_name": campaign.pipeline.name,
        "pinned_version": campaign.pinned_version.number if campaign.pinned_version else None,
        "caller_number_ids": [n.pk for n in numbers],
        "caller_numbers": [n.e164 for n in numbers],
        "calling_windows": campaign.calling_windows,
        "default_time_zone": campaign.default_time_zone,
        "max_concurrent_calls": campaign.max_concurrent_calls,
        "effective_concurrency": effective_concurrency(campaign=campaign, numbers=numbers),
        "retry_policy": campaign.retry_policy,
        "breaker_failure_percent": campaign.breaker_failure_percent,
        "breaker_window": campaign.breaker_window,
        "answering_machine": campaign.answering_machine,
        "import_report": campaign.import_report or None,
        "progress": progress.__dict__,
        "created_at": campaign.created_at,
        "started_at": campaign.started_at,
        "finished_at": campaign.finished_at,
    }


def _campaign(actor: Actor, campaign_id: int) -> Campaign:
    campaign = (
        campaigns_of(workspace=actor.workspace)
        .select_related("workspace", "pinned_version")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise not_found(f"The campaign {campaign_id}")
    return campaign


def _invalid(problems: list[tuple[str, str]]) -> ApiError:
    return ApiError(
        CoreErrorCode.INVALID_INPUT,
        problems[0][1] if len(problems) == 1 else "The campaign's set-up has problems.",
        status=422,
        details=[{"field": field, "message": message} for field, message in problems],
    )


@router.get("/campaigns", response=list[CampaignOut])
def campaign_list(request: HttpRequest) -> list[dict[str, Any]]:
    actor = require(request, Permission.CALLS_VIEW)
    campaigns = campaigns_of(workspace=actor.workspace).select_related(
        "workspace", "pinned_version"
    )
    return [_out(campaign) for campaign in campaigns[:200]]


@router.post("/campaigns", response={201: CampaignOut})
def campaign_create(request: HttpRequest, payload: CampaignIn) -> Status[dict[str, Any]]:
    actor = require(request, Permission.CALLS_PLACE)
    workspace = actor.workspace
    pipeline = Pipeline.objects.filter(workspace=workspace, pk=payload.pipeline_id).first()
    if pipeline is None:
        raise _invalid([("pipeline_id", f"There is no pipeline {payload.pipeline_id}.")])
    pinned = None
    if payload.pinned_version is not None:
        pinned = pipeline.versions.filter(number=payload.pinned_version).first()
        if pinned is None:
            raise _invalid(
                [("pinned_version", f"{pipeline.name} has no version {payload.pinned_version}.")]
            )
    numbers = list(
        PhoneNumber.objects.filter(workspace=workspace, pk__in=payload.caller_number_ids)
        .select_related("trunk")
        .order_by("id")
    )
    missing = set(payload.caller_number_ids) - {n.pk for n in numbers}
    if missing:
        raise _invalid(
            [("caller_number_ids", f"No number {', '.join(map(str, sorted(missing)))}.")]
        )
    setup = services.CampaignSetup(
        name=payload.name,
        pipeline=pipeline,
        pinned_version=pinned,
        caller_numbers=numbers,
        calling_windows=payload.calling_windows,
        default_time_zone=payload.default_time_zone or workspace.time_zone,
        max_concurrent_calls=payload.max_concurrent_calls,
        retry_policy=payload.retry_policy,
        breaker_failure_percent=payload.breaker_failure_percent,
        breaker_window=payload.breaker_window,
        answering_machine=payload.answering_machine,
    )
    try:
        campaign = services.campaign_create(workspace=workspace, user=actor.user, setup=setup)
    except services.CampaignInvalid as exc:
        raise _invalid(exc.problems) from exc
    return Status(201, _out(_campaign(actor, campaign.pk)))


@router.get("/campaigns/{campaign_id}", response=CampaignOut)
def campaign_detail(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    actor = require(request, Permission.CALLS_VIEW)
    return _out(_campaign(actor, campaign_id))


def _rows(payload: ContactsIn) -> list[RowIn]:
    if (payload.csv is None) == (payload.contacts is None):
        raise ApiError(
            CoreErrorCode.INVALID_INPUT,
            "Give the contacts either as csv or as contacts.",
            status=422,
        )
    if payload.csv is not None:
        try:
            return rows_from_csv(payload.csv)
        except ImportInvalid as exc:
            raise ApiError(CampaignErrorCode.IMPORT_INVALID, str(exc), status=422) from exc
    return [
        RowIn(row=i, number=c.number, variables=c.variables, time_zone=c.time_zone)
        for i, c in enumerate(payload.contacts or [], start=1)
    ]


def _import(
    request: HttpRequest, campaign_id: int, payload: ContactsIn, *, commit: bool
) -> ImportReport:
    actor = require(request, Permission.CALLS_PLACE)
    campaign = _campaign(actor, campaign_id)
    rows = _rows(payload)
    try:
        return services.campaign_contacts_import(
            campaign=campaign, rows=rows, default_region=payload.default_region, commit=commit
        )
    except services.CampaignStateError as exc:
        raise ApiError(CampaignErrorCode.CAMPAIGN_STATE, str(exc), status=409) from exc


@router.post("/campaigns/{campaign_id}/contacts/check", response=ImportReportOut)
def campaign_contacts_check(
    request: HttpRequest, campaign_id: int, payload: ContactsIn
) -> dict[str, object]:
    """The validation report of an import, nothing imported."""
    with transaction.atomic():
        return _import(request, campaign_id, payload, commit=False).as_dict()


@router.post("/campaigns/{campaign_id}/contacts", response={201: ImportReportOut})
def campaign_contacts_add(
    request: HttpRequest, campaign_id: int, payload: ContactsIn
) -> Status[dict[str, object]]:
    """Adds the rows the report accepts; the report lists every row it rejected and why."""
    return Status(201, _import(request, campaign_id, payload, commit=True).as_dict())


@router.get("/campaigns/{campaign_id}/contacts", response=ContactPage)
def campaign_contacts(
    request: HttpRequest, campaign_id: int, query: Query[ContactQuery]
) -> dict[str, Any]:
    actor = require(request, Permission.CALLS_VIEW)
    contacts = CampaignContact.objects.filter(campaign=_campaign(actor, campaign_id))
    if query.state is not None:
        contacts = contacts.filter(state=query.state)
    if query.outcome is not None:
        contacts = contacts.filter(final_outcome=query.outcome)
    return {
        "items": list(contacts.order_by("id")[query.offset : query.offset + query.limit]),
        "total": contacts.count(),
        "limit": query.limit,
        "offset": query.offset,
    }


def _act(request: HttpRequest, campaign_id: int, action: str) -> dict[str, Any]:
    actor = require(request, Permission.CALLS_PLACE)
    campaign = _campaign(actor, campaign_id)
    act = {
        "start": services.campaign_start,
        "resume": services.campaign_resume,
        "cancel": services.campaign_cancel,
    }
    try:
        if action == "pause":
            services.campaign_pause(campaign=campaign, reason=f"Paused by {actor.user.username}.")
        else:
            act[action](campaign=campaign)
    except services.CampaignStateError as exc:
        raise ApiError(CampaignErrorCode.CAMPAIGN_STATE, str(exc), status=409) from exc
    return _out(_campaign(actor, campaign_id))


@router.post("/campaigns/{campaign_id}/start", response=CampaignOut)
def campaign_start(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    return _act(request, campaign_id, "start")


@router.post("/campaigns/{campaign_id}/pause", response=CampaignOut)
def campaign_pause(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    return _act(request, campaign_id, "pause")


@router.post("/campaigns/{campaign_id}/resume", response=CampaignOut)
def campaign_resume(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    return _act(request, campaign_id, "resume")


@router.post("/campaigns/{campaign_id}/cancel", response=CampaignOut)
def campaign_cancel(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    return _act(request, campaign_id, "cancel")


@router.get("/do-not-call", response=list[DoNotCallOut])
def do_not_call_list(request: HttpRequest, query: Query[DoNotCallQuery]) -> Any:
    actor = require(request, Permission.CALLS_VIEW)
    return selectors.do_not_call_entries(
        workspace=actor.workspace, search=query.search, limit=query.limit
    )


@router.post("/do-not-call", response={201: DoNotCallAdded})
def do_not_call_add(request: HttpRequest, payload: DoNotCallIn) -> Status[dict[str, Any]]:
    actor = require(request, Permission.CALLS_PLACE)
    numbers, rejected = [], []
    for row, raw in enumerate(payload.numbers, start=1):
        e164, problem = normalise_number(raw, default_region=payload.default_region)
        if problem:
            rejected.append({"row": row, "number": raw, "reason": "bad_number", "message": problem})
        else:
            numbers.append(e164)
    added = services.do_not_call_add(workspace=actor.workspace, numbers=numbers, note=payload.note)
    return Status(
        201,
        {"added": added.added, "already_listed": added.already_listed, "rejected": rejected},
    )


@router.delete("/do-not-call/{e164}", response={204: None})
def do_not_call_remove(request: HttpRequest, e164: str) -> Status[None]:
    actor = require(request, Permission.CALLS_PLACE)
    if not services.do_not_call_remove(workspace=actor.workspace, e164=e164):
        raise not_found(f"The number {e164} on the do-not-call list")
    return Status(204, None)
