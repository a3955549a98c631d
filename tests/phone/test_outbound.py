"""Outbound calls through livekit-sip: the worker dials with create_sip_participant, sipp is
the callee; each outcome is recorded on the Call, and an unanswered call is not billed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from telephony.models import Call, CallEndReason, CallStatus
from telephony.provisioning_services import outbound_call_place
from tests.phone.sip import free_udp_port, run_sipp
from tests.phone.test_inbound import _billed_seconds


@pytest.mark.parametrize(
    ("scenario", "outcome", "reason"),
    [
        ("uas_busy", "busy", CallEndReason.BUSY),
        ("uas_no_answer", "cancelled", CallEndReason.NO_ANSWER),  # rings past 6 s
    ],
)
def test_an_outbound_call_the_callee_does_not_take_is_recorded_as_such(
    livekit_sip: Any,
    phone_worker: Any,
    provision: Any,
    run_dir: Path,
    scenario: str,
    outcome: str,
    reason: CallEndReason,
) -> None:
    agent_name, worker = phone_worker
    port = free_udp_port()
    callee = run_sipp(scenario, run_dir=run_dir, local_port=port, timeout_s=60)
    number = provision(agent_name, address=f"127.0.0.1:{port}")
    placed = outbound_call_place(
        workspace=number.workspace, number=number, to_number="+15550123456"
    )
    give_up = time.monotonic() + 45
    call = Call.objects.get(pk=placed.pk)
    while call.status != CallStatus.ENDED and time.monotonic() < give_up:
        time.sleep(0.3)
        call.refresh_from_db()
    assert call.status == CallStatus.ENDED, worker.log()
    assert call.end_reason == reason, worker.log()
    assert callee.wait(within=30) == 0, callee.log()
    assert callee.outcome() == [outcome]
    assert "INVITE sip:+15550123456@" in callee.messages()
    assert _billed_seconds(call) == 0
