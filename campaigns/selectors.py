"""Reads of campaigns: what a campaign may dial at once, and where it stands."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Concat

from betool.models import LedgerEntry, Workspace
from campaigns.models import (
    Campaign,
    CampaignAttempt,
    CampaignContact,
    ContactState,
    DoNotCallEntry,
)
from pipelines.models import PipelineVersion
from telephony.models import CallStatus, PhoneNumber
from telephony.selectors import latest_published_version


def campaigns_of(*, workspace: Workspace) -> QuerySet[Campaign]:
    return Campaign.objects.filter(workspace=workspace).select_related("pipeline")


def do_not_call_entries(
    *, workspace: Workspace, search: str = "", limit: int
) -> QuerySet[DoNotCallEntry]:
    """The list by number; ``search`` matches the note, or the number's digits however the
    person types them (``(212) 555``, ``+1212555``)."""
    entries = DoNotCallEntry.objects.filter(workspace=workspace)
    search = search.strip()
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        match = Q(note__icontains=search)
        if digits:
            match |= Q(e164__contains=digits)
        entries = entries.filter(match)
    return entries.order_by("e164")[:limit]


def campaign_version(*, campaign: Campaign) -> PipelineVersion | None:
    """What the campaign's calls run: its pinned version, else the latest published one."""
    if campaign.pinned_version_id is not None:
        return campaign.pinned_version
    return latest_published_version(pipeline_id=campaign.pipeline_id)


def caller_numbers(*, campaign: Campaign) -> list[PhoneNumber]:
    return list(
        campaign.caller_numbers.select_related("trunk", "workspace", "pipeline").order_by("id")
    )


def concurrency_ceiling(*, workspace: Workspace, numbers: list[PhoneNumber]) -> int:
    """The most calls the numbers can carry at once: the workspace's limit, and the sum of
    their trunks' (each trunk counted once) and of the numbers' own limits."""
    trunks = {n.trunk_id: n.trunk for n in numbers if n.trunk is not None}
    trunk_total = sum(t.max_concurrent_calls for t in trunks.values() if t is not None)
    ceiling = min(workspace.max_concurrent_calls, trunk_total)
    if numbers and all(n.max_concurrent_calls is not None for n in numbers):
        ceiling = min(ceiling, sum(n.max_concurrent_calls or 0 for n in numbers))
    return max(0, ceiling)


def effective_concurrency(*, campaign: Campaign, numbers: list[PhoneNumber]) -> int:
    return min(
        campaign.max_concurrent_calls,
        concurrency_ceiling(workspace=campaign.workspace, numbers=numbers),
    )


def open_attempt_count(*, campaign: Campaign) -> int:
    return CampaignAttempt.objects.filter(campaign=campaign, ended_at__isnull=True).count()


@dataclass(frozen=True)
class CampaignProgress:
    total: int
    waiting: int  # never called yet
    dialing: int  # a call placed, not answered yet
    in_call: int
    to_retry: int  # called, another attempt to come
    done: int
    attempts: int
    final_outcomes: dict[str, int] = field(default_factory=dict)
    attempt_outcomes: dict[str, int] = field(default_factory=dict)
    credits_spent: Decimal = Decimal(0)


_ANSWERED = (CallStatus.CONNECTED, CallStatus.ACTIVE, CallStatus.ON_HOLD, CallStatus.TRANSFERRED)


def campaign_progress(*, campaign: Campaign) -> CampaignProgress:
    contacts = CampaignContact.objects.filter(campaign=campaign)
    counts = contacts.aggregate(
        total=Count("id"),
        waiting=Count("id", filter=Q(state=ContactState.QUEUED, attempts=0)),
        to_retry=Count("id", filter=Q(state=ContactState.QUEUED, attempts__gt=0)),
        calling=Count("id", filter=Q(state=ContactState.CALLING)),
        done=Count("id", filter=Q(state=ContactState.DONE)),
    )
    in_call = CampaignAttempt.objects.filter(
        campaign=campaign, ended_at__isnull=True, call__status__in=_ANSWERED
    ).count()
    finals = dict(
        contacts.filter(state=ContactState.DONE)
        .values_list("final_outcome")
        .annotate(n=Count("id"))
        .values_list("final_outcome", "n")
    )
    attempts = CampaignAttempt.objects.filter(campaign=campaign)
    by_outcome = dict(
        attempts.exclude(outcome="")
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    return CampaignProgress(
        total=counts["total"],
        waiting=counts["waiting"],
        dialing=max(0, counts["calling"] - in_call),
        in_call=in_call,
        to_retry=counts["to_retry"],
        done=counts["done"],
        attempts=attempts.count(),
        final_outcomes=finals,
        attempt_outcomes=by_outcome,
        credits_spent=campaign_credits_spent(campaign=campaign),
    )


def campaign_call_sources(*, campaign: Campaign) -> QuerySet[Any, dict[str, Any]]:
    """The ledger sources (``call-<id>``) of the campaign's calls, as a subquery."""
    return (
        CampaignAttempt.objects.filter(campaign=campaign, call__isnull=False)
        .annotate(source=Concat(Value("call-"), Cast("call_id", CharField())))
        .values("source")
    )


def campaign_credits_spent(*, campaign: Campaign) -> Decimal:
    spent = LedgerEntry.objects.filter(
        workspace_id=campaign.workspace_id, source__in=campaign_call_sources(campaign=campaign)
    ).aggregate(total=Sum("credits"))["total"]
    return -(spent or Decimal(0))


def campaigns_by_call_source(sources: set[str]) -> dict[str, tuple[int, str]]:
    """For finance: the campaign (id, name) of each ``call-<id>`` ledger source it placed."""
    call_ids = {int(s[5:]) for s in sources if s.startswith("call-") and s[5:].isdigit()}
    found = CampaignAttempt.objects.filter(call_id__in=call_ids).values_list(
        "call_id", "campaign_id", "campaign__name"
    )
    return {f"call-{call_id}": (campaign_id, name) for call_id, campaign_id, name in found}


def campaign_calls_sql() -> str:
    """For finance's statements, the relation (call_id, campaign_id, campaign_name) of every
    call placed by a campaign of the workspace bound as ``%(workspace)s``: what
    ``campaigns_by_call_source`` tells, joined where the rollups are summed."""
    q = connection.ops.quote_name
    attempts, campaigns = q(CampaignAttempt._meta.db_table), q(Campaign._meta.db_table)
    return f"""SELECT attempt.call_id, attempt.campaign_id, campaign.name AS campaign_name
        FROM {attempts} AS attempt JOIN {campaigns} AS campaign
            ON campaign.id = attempt.campaign_id
        WHERE campaign.workspace_id = %(workspace)s AND attempt.call_id IS NOT NULL"""  # noqa: S608 (the models' tables)
