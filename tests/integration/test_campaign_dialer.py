"""A 200-contact campaign on PostgreSQL against a simulated telephone network.

The dialer is the real one (``campaign_tick`` → ``call_outbound_create`` with its
admission under the limits); only LiveKit's dispatch is replaced by a network that ends each
call, after a random ring or talk time, with a seeded random outcome, through telephony's
``call_end`` (which tells the campaign). A fake clock moves a minute per step; ticks run
from two threads at once; halfway through, every process "restarts": the network and the
dialer are thrown away, the database connections closed, and a fresh network picks up the
calls still open from the database.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connections

from betool.models import Workspace
from campaigns.contacts_import import RowIn
from campaigns.models import (
    Campaign,
    CampaignAttempt,
    CampaignContact,
    CampaignStatus,
    ContactState,
    Outcome,
)
from campaigns.services import (
    CampaignSetup,
    campaign_contacts_import,
    campaign_create,
    campaign_resume,
    campaign_start,
    campaign_tick,
)
from campaigns.windows import inside, parse_windows
from pipelines.models import Pipeline, PipelineVersion
from telephony.models import (
    AnsweredBy,
    Call,
    CallEndReason,
    CallStatus,
    PhoneNumber,
    Trunk,
    TrunkDirection,
)
from telephony.services import call_answered_by_record, call_end, call_set_status
from tests.campaign_graphs import REMINDER_GRAPH
from tests.conftest import fund

pytestmark = pytest.mark.django_db(transaction=True)

# Monday 30 November 2026, 07:00 UTC: before 09:00 in Paris and in New York.
START = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
STEP = timedelta(minutes=1)
WINDOWS = {
    day: [["09:00", "12:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
}
RETRY_POLICY = {
    "busy": {"delay_s": 1200, "max_attempts": 3},
    "no_answer": {"delay_s": 1800, "max_attempts": 3},
    "voicemail": {"delay_s": 3600, "max_attempts": 2},
    "failed": {"delay_s": 600, "max_attempts": 2},
    "rejected_by_limit": {"delay_s": 60, "max_attempts": 20},
}
CONCURRENCY = 6


@dataclass
class SimulatedNetwork:
    """Stands in for LiveKit and the callees: the calls dispatched, and how each ends."""

    rng: random.Random
    failing: bool = False  # the trunk is broken: every call fails
    # call id -> (when it ends, its end reason, who answered: "" none, person or machine)
    fates: dict[int, tuple[datetime, str, str]] = field(default_factory=dict)

    def dispatched(self, *, room_name: str, metadata: dict[str, Any]) -> None:
        call_id = int(metadata["call_id"])
        assert metadata.get("variables", {}).get("first_name"), metadata
        # The campaign's voicemail setting reaches the worker, which screens the callee.
        assert metadata.get("answering_machine") == "detect", metadata
        self.fates[call_id] = self._fate(self.now)

    now: datetime = START

    def _fate(self, at: datetime) -> tuple[datetime, str, str]:
        if self.failing:
            return at + timedelta(seconds=5), CallEndReason.ERROR, ""
        roll = self.rng.random()
        if roll < 0.35:
            talk = timedelta(minutes=self.rng.randint(1, 4))
            return at + talk, CallEndReason.AGENT_HANGUP, AnsweredBy.PERSON
        if roll < 0.45:
            # The worker heard a voicemail, left the message and hung up.
            return at + timedelta(seconds=40), CallEndReason.AGENT_HANGUP, AnsweredBy.MACHINE
        if roll < 0.6:
            return at + timedelta(seconds=20), CallEndReason.BUSY, ""
        if roll < 0.85:
            return at + timedelta(minutes=1), CallEndReason.NO_ANSWER, ""
        return at + timedelta(seconds=30), CallEndReason.ERROR, ""

    def forget_everything(self, *, rng: random.Random) -> None:
        self.fates.clear()
        self.rng = rng

    def adopt_open_calls(self) -> None:
        """After a restart: the calls still open in the database are still on the network."""
        for call in Call.objects.exclude(status=CallStatus.ENDED):
            self.fates.setdefault(call.pk, self._fate(self.now))

    def advance(self, now: datetime) -> None:
        self.now = now
        for call_id, (ends_at, reason, answered_by) in sorted(self.fates.items()):
            if ends_at > now:
                continue
            call = Call.objects.get(pk=call_id)
            if answered_by:
                call_set_status(call=call, status=CallStatus.CONNECTED, at=ends_at - STEP)
                call_answered_by_record(
                    call=call, answered_by=AnsweredBy(answered_by), evidence={"simulated": True}
                )
            call_end(call=call, reason=CallEndReason(reason), at=ends_at)
            del self.fates[call_id]


def _ticks_at_once(campaign_id: int, now: datetime, threads: int = 2) -> int:
    """Ticks from several processes at the same moment, each on its own connection."""
    barrier = threading.Barrier(threads)
    placed: list[int] = []

    def tick() -> None:
        try:
            barrier.wait()
            placed.append(campaign_tick(campaign_id=campaign_id, now=now).placed)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=tick) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(placed)


def _next_moment(campaign: Campaign, network: SimulatedNetwork, now: datetime) -> datetime:
    """A step on, or straight to the next thing that happens (a call ends, a contact is due)."""
    due = (
        CampaignContact.objects.filter(campaign=campaign, state=ContactState.QUEUED)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    moments = [ends_at for ends_at, _, _ in network.fates.values()]
    if due is not None:
        moments.append(due)
    return max(now + STEP, min(moments, default=now + STEP))


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> SimulatedNetwork:
    from telephony import services

    net = SimulatedNetwork(rng=random.Random(18))
    monkeypatch.setattr(services, "_dispatch_after_commit", lambda **kw: net.dispatched(**kw))
    # The tick a freed line asks for is the loop's next step here (the clock is fake).
    monkeypatch.setattr("campaigns.services._tick_soon", lambda campaign_id: None)
    return net


def _campaign(workspace: Workspace, *, contacts: int, breaker_percent: int = 100) -> Campaign:
    trunk = Trunk.objects.create(
        workspace=workspace, name="Carrier", direction=TrunkDirection.OUTBOUND,
        address="sip.example.com", max_concurrent_calls=8,
    )  # fmt: skip
    pipeline = Pipeline.objects.create(workspace=workspace, name="Reminder", draft={})
    PipelineVersion.objects.create(pipeline=pipeline, number=1, graph=REMINDER_GRAPH)
    numbers = [
        PhoneNumber.objects.create(workspace=workspace, e164=e164, trunk=trunk, pipeline=pipeline)
        for e164 in ("+15550100", "+15550101")
    ]
    campaign = campaign_create(
        workspace=workspace,
        user=None,
        setup=CampaignSetup(
            name="Reminders", pipeline=pipeline, pinned_version=None, caller_numbers=numbers,
            calling_windows=WINDOWS, default_time_zone="UTC", max_concurrent_calls=CONCURRENCY,
            retry_policy=RETRY_POLICY, breaker_failure_percent=breaker_percent, breaker_window=10,
            answering_machine="detect",
        ),
    )  # fmt: skip
    rows = [
        RowIn(
            row=i + 1,
            number=f"+1212555{i:04d}" if i % 2 else f"+336123{i:05d}",
            variables={"first_name": f"Contact {i}", "appointment": "Monday"},
        )
        for i in range(contacts)
    ]
    report = campaign_contacts_import(campaign=campaign, rows=rows)
    assert report.rejected == []
    assert len(report.accepted) == contacts
    return campaign


@pytest.fixture
def workspace() -> Workspace:
    workspace = Workspace.objects.create(name="Outbound", slug="outbound", max_concurrent_calls=10)
    fund(workspace)
    return workspace


def test_a_campaign_of_200_survives_a_restart_and_ends_every_contact_once(
    workspace: Workspace, network: SimulatedNetwork
) -> None:
    campaign = _campaign(workspace, contacts=200)
    campaign_start(campaign=campaign, at=START)
    windows = parse_windows(WINDOWS)
    now, most_at_once, restarted = START, 0, False
    while Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.RUNNING:
        assert now < START + timedelta(days=5), "the campaign never finished"
        network.advance(now)
        _ticks_at_once(campaign.pk, now)
        open_now = CampaignAttempt.objects.filter(campaign=campaign, ended_at__isnull=True)
        most_at_once = max(most_at_once, open_now.count())
        done = CampaignContact.objects.filter(campaign=campaign, state=ContactState.DONE).count()
        if not restarted and done >= 100:
            # Every process restarts: nothing kept in memory survives, the database does.
            in_flight = len(network.fates)
            network.forget_everything(rng=random.Random(1818))
            connections.close_all()
            network.adopt_open_calls()
            assert len(network.fates) == in_flight
            restarted = True
        now = _next_moment(campaign, network, now)
    assert restarted
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DONE
    assert campaign.finished_at is not None

    contacts = list(CampaignContact.objects.filter(campaign=campaign))
    assert len(contacts) == 200
    # Every contact ends in exactly one final state: its last attempt's outcome.
    attempts: dict[int, list[CampaignAttempt]] = defaultdict(list)
    for attempt in CampaignAttempt.objects.filter(campaign=campaign).order_by("number"):
        attempts[attempt.contact_id].append(attempt)
    finals = defaultdict(int)
    for contact in contacts:
        tries = attempts[contact.pk]
        assert contact.state == ContactState.DONE
        assert contact.final_outcome
        assert contact.final_outcome == tries[-1].outcome
        assert [a.number for a in tries] == list(range(1, len(tries) + 1))
        assert contact.attempts == len(tries)
        finals[contact.final_outcome] += 1
        for earlier, later in itertools.pairwise(tries):
            # Never twice at once, and each retry after its outcome's delay.
            assert earlier.ended_at is not None
            assert earlier.ended_at <= later.started_at
            delay = timedelta(seconds=RETRY_POLICY[earlier.outcome]["delay_s"])
            assert later.started_at >= earlier.ended_at + delay
        for attempt in tries:
            # Placed inside the window of the contact's own time zone.
            assert inside(windows, at=attempt.started_at, tz=contact.time_zone), attempt
            if attempt.outcome != Outcome.PERSON:
                assert attempt.outcome != ""
                assert attempt.ended_at is not None
        # The retry policy's attempts in all: retried below its outcome's count, final at it.
        for attempt in tries[:-1]:
            assert attempt.number < RETRY_POLICY[attempt.outcome]["max_attempts"]
        if contact.final_outcome != Outcome.PERSON:
            assert len(tries) >= RETRY_POLICY[contact.final_outcome]["max_attempts"]
    assert {c.time_zone for c in contacts} == {"America/New_York", "Europe/Paris"}
    assert 0 < most_at_once <= CONCURRENCY
    assert finals[Outcome.PERSON] > 50
    assert finals[Outcome.BUSY] > 0
    assert finals[Outcome.NO_ANSWER] > 0
    assert finals[Outcome.VOICEMAIL] > 0
    assert finals[Outcome.FAILED] > 0
    # Each call of the campaign is one attempt's; the calls ran the campaign's pipeline.
    calls = Call.objects.filter(campaign_attempt__campaign=campaign)
    assert (
        calls.count()
        == CampaignAttempt.objects.filter(campaign=campaign, call__isnull=False).count()
    )
    assert not calls.exclude(status=CallStatus.ENDED).exists()


def test_the_circuit_breaker_pauses_a_failing_campaign_until_resumed(
    workspace: Workspace, network: SimulatedNetwork
) -> None:
    campaign = _campaign(workspace, contacts=60, breaker_percent=50)
    campaign_start(campaign=campaign, at=START)
    now = START.replace(hour=14)  # 15:00 in Paris: Paris contacts are due, New York's not yet
    for _ in range(10):
        network.advance(now)
        campaign_tick(campaign_id=campaign.pk, now=now)
        now += STEP
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.RUNNING
    network.failing = True
    while Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.RUNNING:
        assert now < START + timedelta(days=1), "the breaker never tripped"
        network.advance(now)
        campaign_tick(campaign_id=campaign.pk, now=now)
        now += STEP
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED
    assert campaign.status_reason.startswith("Circuit breaker:"), campaign.status_reason
    recent = CampaignAttempt.objects.filter(campaign=campaign, ended_at__isnull=False)
    last_ten = list(recent.order_by("-ended_at", "-id").values_list("outcome", flat=True)[:10])
    assert last_ten.count(Outcome.FAILED) > 5
    # Paused: the calls in flight finish, nothing new is placed.
    placed_before = CampaignAttempt.objects.filter(campaign=campaign).count()
    for _ in range(30):
        network.advance(now)
        assert campaign_tick(campaign_id=campaign.pk, now=now).placed == 0
        now += STEP
    assert CampaignAttempt.objects.filter(campaign=campaign).count() == placed_before
    assert not CampaignAttempt.objects.filter(campaign=campaign, ended_at__isnull=True).exists()
    # Resumed with the trunk repaired, it dials again, its breaker counting afresh.
    network.failing = False
    campaign_resume(campaign=campaign, at=now)
    assert campaign_tick(campaign_id=campaign.pk, now=now).placed > 0
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.RUNNING


def test_a_campaign_over_a_full_workspace_records_rejected_by_limit_and_retries(
    workspace: Workspace, network: SimulatedNetwork
) -> None:
    campaign = _campaign(workspace, contacts=4)
    # Other calls take every line the workspace has.
    workspace.max_concurrent_calls = 2
    workspace.save()
    number = PhoneNumber.objects.get(e164="+15550100")
    for i in range(2):
        Call.objects.create(
            workspace=workspace, number=number, room_name=f"busy-{i}", status=CallStatus.ACTIVE
        )
    campaign_start(campaign=campaign, at=START)
    now = START.replace(hour=14)
    result = campaign_tick(campaign_id=campaign.pk, now=now)
    assert result.placed == 0
    refused = CampaignAttempt.objects.filter(campaign=campaign, outcome=Outcome.REJECTED_BY_LIMIT)
    assert refused.count() == 1
    assert refused.get().call is None
    contact = refused.get().contact
    assert contact.state == ContactState.QUEUED
    assert contact.next_attempt_at == now + timedelta(seconds=60)
