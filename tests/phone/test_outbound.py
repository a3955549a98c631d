"""Outbound calls through livekit-sip: the worker dials with create_sip_participant, sipp is
the callee; each outcome is recorded on the Call, and an unanswered call is not billed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from telephony.models import CallEndReason
from telephony.provisioning.services import outbound_call_place
from tests.phone.calls import PhoneCall, billed_seconds, ended_call, hear
from tests.phone.sip import free_udp_port, run_sipp


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
    call = ended_call(number, within=45)
    assert call.pk == placed.pk
    assert call.end_reason == reason, worker.log()
    assert callee.wait(within=30) == 0, callee.log()
    assert callee.outcome() == [outcome]
    assert "INVITE sip:+15550123456@" in callee.messages()
    assert billed_seconds(call) == 0


def test_an_outbound_call_answered_hears_the_greeting_and_the_callee_hangs_up_first(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    from tests.phone.rtp import RtpPeer
    from tests.voice import graphs, harness

    agent_name, worker = phone_worker
    port = free_udp_port()
    rtp = RtpPeer()
    try:
        callee = run_sipp(
            "uas_answer",
            run_dir=run_dir,
            local_port=port,
            keys={"rtp_port": str(rtp.port), "hangup_ms": "20000"},
            timeout_s=60,
        )
        number = provision(agent_name, address=f"127.0.0.1:{port}")
        placed = outbound_call_place(
            workspace=number.workspace, number=number, to_number="+15550123456"
        )
        callee.wait_outcome("invited", within=45)
        invited = next(line for line in callee.outcome() if line.startswith("invited"))
        rtp.answered_by("127.0.0.1", int(invited.split()[1]))
        heard = hear(PhoneCall(callee, rtp), since=time.monotonic())
        assert callee.wait(within=40) == 0, callee.log()
    finally:
        rtp.close()
    assert harness.similarity(heard, graphs.GREETING) >= 0.6, heard
    assert callee.outcome()[-1].startswith("hung_up")
    call = ended_call(number, within=20)
    assert call.pk == placed.pk
    assert call.end_reason == CallEndReason.CALLER_HANGUP, worker.log()
    answered_s = callee.at("hung_up") - callee.at("answered")
    assert abs(float(billed_seconds(call)) - answered_s) < 1.0, (answered_s, worker.log())
