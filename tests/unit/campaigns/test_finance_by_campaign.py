"""Finance sees what each campaign's calls cost: the view by campaign adds up its calls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from betool.models import LedgerEntry, LedgerKind
from betool.roles import Role
from campaigns.models import Campaign, CampaignAttempt, CampaignContact
from telephony.models import Call, CallDirection
from tests.unit.campaigns.conftest import Outbound


def _billed_call(outbound: Outbound, *, minutes: int, credits: int) -> Call:
    workspace = outbound.pipeline.workspace
    now = timezone.now() - timedelta(hours=1)
    call = Call.objects.create(
        workspace=workspace, direction=CallDirection.OUTBOUND, number=outbound.number,
        room_name=f"call-out-{minutes}-{credits}", status="ended", created_at=now,
    )  # fmt: skip
    LedgerEntry.objects.create(
        workspace=workspace, source=f"call-{call.pk}", kind=LedgerKind.CALL_SECONDS, sequence=1,
        quantity=Decimal(minutes * 60), credits=Decimal(-credits), phone_number="+15550100",
        pipeline_id=outbound.pipeline.pk, occurred_at=now,
    )  # fmt: skip
    return call


def _attempt(campaign: Campaign, call: Call, e164: str) -> None:
    contact = CampaignContact.objects.create(campaign=campaign, e164=e164, time_zone="UTC")
    CampaignAttempt.objects.create(
        campaign=campaign, contact=contact, number=1, call=call, started_at=call.created_at
    )


def test_finance_groups_call_costs_by_campaign(
    client_as: Callable[[Role], Client], outbound: Outbound
) -> None:
    workspace = outbound.pipeline.workspace
    reminders = Campaign.objects.create(
        workspace=workspace, name="Reminders", pipeline=outbound.pipeline
    )
    survey = Campaign.objects.create(workspace=workspace, name="Survey", pipeline=outbound.pipeline)
    _attempt(reminders, _billed_call(outbound, minutes=2, credits=400), "+12125550100")
    _attempt(reminders, _billed_call(outbound, minutes=1, credits=200), "+12125550101")
    _attempt(survey, _billed_call(outbound, minutes=3, credits=600), "+12125550102")
    _billed_call(outbound, minutes=1, credits=200)  # a single outbound call, in no campaign

    answer = client_as(Role.FINANCE).get("/api/credits/usage?group_by=campaign")
    assert answer.status_code == 200, answer.content
    rows = [(r["key"], r["label"], r["calls"], r["total_credits"]) for r in answer.json()["rows"]]
    assert rows == [
        (str(reminders.pk), "Reminders", 2, "600.00"),
        (str(survey.pk), "Survey", 1, "600.00"),
        ("", "Not in a campaign", 1, "200.00"),
    ]
    assert answer.json()["totals"]["total_credits"] == "1400.00"
    assert answer.json()["totals"]["calls"] == 4
