"""A campaign's calls through livekit-sip: three caller numbers, each on a trunk to its own
sipp callee (one answers, one is busy with 486, one never answers). The real dialer places
them; each attempt's outcome is the one its callee gave, and each contact ends once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from campaigns.contacts_import import RowIn
from campaigns.models import CampaignAttempt, CampaignStatus, ContactState, Outcome
from campaigns.services import (
    CampaignSetup,
    campaign_contacts_import,
    campaign_create,
    campaign_start,
    campaign_tick,
)
from pipelines.models import PipelineVersion
from tests.phone.sip import free_udp_port, run_sipp

# Every day, all day: the test runs whenever CI does.
ALWAYS = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# One attempt each: the outcome the callee gives is final.
ONCE = {
    outcome: {"delay_s": 60, "max_attempts": 1}
    for outcome in ("busy", "no_answer", "voicemail", "failed", "rejected_by_limit")
}
CALLEES = {
    "uas_answer": (Outcome.PERSON, "answered"),
    "uas_busy": (Outcome.BUSY, "busy"),
    "uas_no_answer": (Outcome.NO_ANSWER, "cancelled"),  # rings past the worker's 6 s
}


def test_a_campaigns_calls_reach_their_callees_and_each_ends_with_its_outcome(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    agent_name, worker = phone_worker
    callees: dict[int, tuple[Any, str]] = {}  # trunk id → (sipp, scenario)
    numbers = []
    workspace = None
    for scenario in CALLEES:
        port = free_udp_port()
        sipp = run_sipp(
            scenario, run_dir=run_dir, local_port=port, keys={"hangup_ms": "6000"}, timeout_s=120
        )
        number = provision(agent_name, address=f"127.0.0.1:{port}", workspace=workspace)
        workspace = number.workspace
        numbers.append(number)
        callees[number.trunk_id] = (sipp, scenario)
    pipeline = numbers[0].pipeline
    campaign = campaign_create(
        workspace=workspace,
        user=None,
        setup=CampaignSetup(
            name="Reminders by SIP",
            pipeline=pipeline,
            pinned_version=PipelineVersion.objects.get(pipeline=pipeline),
            caller_numbers=numbers,
            calling_windows=ALWAYS,
            default_time_zone="UTC",
            max_concurrent_calls=3,
            retry_policy=ONCE,
            breaker_failure_percent=100,
            answering_machine="ignore",
        ),
    )
    rows = [RowIn(row=i + 1, number=f"+1212555{i:04d}", variables={}) for i in range(3)]
    report = campaign_contacts_import(campaign=campaign, rows=rows)
    assert report.rejected == []
    assert len(report.accepted) == 3
    campaign_start(campaign=campaign)
    assert campaign_tick(campaign_id=campaign.pk).placed == 3

    give_up = time.monotonic() + 90
    while campaign.contacts.exclude(state=ContactState.DONE).exists():
        assert time.monotonic() < give_up, worker.log()
        time.sleep(0.5)

    attempts = list(CampaignAttempt.objects.filter(campaign=campaign).select_related("call"))
    assert len(attempts) == 3, "one attempt per contact, none twice"
    for attempt in attempts:
        sipp, scenario = callees[attempt.call.number.trunk_id]
        outcome, sipp_saw = CALLEES[scenario]
        assert attempt.outcome == outcome, (scenario, attempt.call.end_reason, worker.log())
        assert attempt.contact.final_outcome == outcome
        assert sipp.wait(within=40) == 0, sipp.log()
        assert sipp_saw in " ".join(sipp.outcome()), sipp.outcome()
        assert f"INVITE sip:{attempt.contact.e164}@" in sipp.messages()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DONE, campaign.status_reason
