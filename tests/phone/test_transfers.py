"""Transfers across a real SIP leg: a REFER the carrier accepts (202, then a NOTIFY saying
the transfer is done) or declines (603), and warm transfers that dial the person on the
trunk (sipp as the person: answering, hanging up during the briefing, busy)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from telephony.models import Call, CallEndReason, CallEventKind
from telephony.worker.state import TRANSFER_DECLINED_LINE, TRANSFER_NO_ANSWER_LINE
from telephony.worker.warm_transfer import ACCEPT_KEY
from tests.phone.calls import PhoneCall, ended_call, greeted, hear, inbound_call
from tests.phone.sip import free_udp_port, run_sipp
from tests.voice import graphs, harness


def _transfer_events(call: Call) -> dict[str, dict[str, Any]]:
    events = call.events.filter(kind=CallEventKind.ACTION, name__startswith="transfer")
    return {event.name: event.data for event in events}


def test_a_refer_the_carrier_accepts_ends_the_call_as_transferred(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    agent_name, worker = phone_worker
    number = provision(agent_name)
    with inbound_call(
        livekit_sip, number, run_dir, scenario="uac_refer_accept", hangup_ms="60000"
    ) as call:
        greeted(call)
        call.say(graphs.ASK_AGENT)
        call.sipp.wait_outcome("refer_received", within=60)
        call.sipp.wait_outcome("notify_ok", within=10)
        assert call.sipp.wait(within=20) == 0, call.sipp.log()
    refer = next(line for line in call.sipp.outcome() if line.startswith("refer_received"))
    assert refer.split()[1] == f"tel:{graphs.TRANSFER_TARGET}"
    assert "SIP/2.0 202 Accepted" in call.sipp.messages()
    ended = ended_call(number, within=20)
    assert ended.end_reason == CallEndReason.TRANSFERRED, worker.log()
    assert ended.transfer_target == graphs.TRANSFER_TARGET
    assert _transfer_events(ended)["transferred"] == {
        "target": graphs.TRANSFER_TARGET,
        "mode": "cold",
    }


def test_a_refer_the_carrier_declines_is_told_and_the_call_goes_on(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    agent_name, worker = phone_worker
    number = provision(agent_name)
    with inbound_call(
        livekit_sip, number, run_dir, scenario="uac_refer_decline", hangup_ms="30000"
    ) as call:
        greeted(call)
        call.say(graphs.ASK_AGENT)
        refused_at = call.sipp.wait_outcome("refer_received", within=60)
        told = hear(call, since=refused_at)
        assert harness.similarity(told, TRANSFER_DECLINED_LINE) >= 0.5, told
        assert call.sipp.wait(within=60) == 0, call.sipp.log()
    assert call.sipp.outcome()[-1].startswith("hung_up")  # the call went on: the caller ended it
    ended = ended_call(number, within=20)
    assert ended.end_reason == CallEndReason.CALLER_HANGUP, worker.log()
    failed = _transfer_events(ended)["transfer_failed"]
    assert failed["outcome"] == "declined", failed


def _warm_call(
    livekit_sip: Any,
    phone_worker: Any,
    provision: Any,
    run_dir: Path,
    person: str,
    *,
    caller_hangup_ms: str = "90000",
    **keys: str,
) -> tuple[Any, Any, Any]:
    """A caller asks for an agent on a warm-transfer pipeline; ``person`` is the scenario of
    the sipp that the trunk dials for the person. The caller hangs up after
    ``caller_hangup_ms`` unless the call ends before."""
    agent_name, _ = phone_worker
    port = free_udp_port()
    human = run_sipp(person, run_dir=run_dir, local_port=port, keys=keys, timeout_s=120)
    number = provision(agent_name, graph=graphs.warm_transfer_graph(), address=f"127.0.0.1:{port}")
    return number, human, inbound_call(livekit_sip, number, run_dir, hangup_ms=caller_hangup_ms)


def test_a_warm_transfer_briefs_the_person_then_bridges_them_and_the_agent_leaves(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    from tests.phone.rtp import RtpPeer

    _, worker = phone_worker
    person_rtp = RtpPeer()
    number, human, placed = _warm_call(
        livekit_sip,
        phone_worker,
        provision,
        run_dir,
        "uas_answer",
        hangup_ms="40000",
        rtp_port=str(person_rtp.port),
    )
    person = PhoneCall(human, person_rtp)
    try:
        with placed as call:
            greeted(call)
            call.say(graphs.ASK_AGENT)
            human.wait_outcome("invited", within=90)
            invited = next(line for line in human.outcome() if line.startswith("invited"))
            person_rtp.answered_by("127.0.0.1", int(invited.split()[1]))
            briefing = hear(person, since=time.monotonic(), quiet_s=2.0)
            person_rtp.press(ACCEPT_KEY)
            # Bridged: the person hangs up later, and the caller's leg ends with theirs.
            call.sipp.wait_outcome("bye_received", within=60)
            assert human.wait(within=30) == 0, human.log()
    finally:
        person_rtp.close()
    assert harness.similarity(briefing, "Hello, I have a call for you.") >= 0.5, briefing
    assert invited.split()[2] == graphs.TRANSFER_TARGET
    assert human.outcome()[-1].startswith("hung_up"), human.outcome()
    assert call.at("bye_received") >= human.at("hung_up")
    ended = ended_call(number, within=20)
    assert ended.end_reason == CallEndReason.TRANSFERRED, worker.log()
    assert ended.transfer_summary.startswith("A caller from"), ended.transfer_summary
    assert "agent" in ended.transfer_summary.lower()
    events = _transfer_events(ended)
    assert events["transfer_summary"]["by"] == "transcript"
    assert events["transferred"]["mode"] == "warm"


def test_a_person_who_hangs_up_during_the_briefing_declines_and_the_caller_is_told(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    number, human, placed = _warm_call(
        livekit_sip,
        phone_worker,
        provision,
        run_dir,
        "uas_answer",
        caller_hangup_ms="50000",
        hangup_ms="1500",
    )
    with placed as call:
        greeted(call)
        call.say(graphs.ASK_AGENT)
        human.wait_outcome("hung_up", within=90)
        told = hear(call, since=time.monotonic())
        assert harness.similarity(told, TRANSFER_DECLINED_LINE) >= 0.5, told
        assert call.sipp.wait(within=60) == 0, call.sipp.log()
    assert call.sipp.outcome()[-1].startswith("hung_up")  # the call went on until then
    ended = ended_call(number, within=30)
    assert _transfer_events(ended)["transfer_failed"]["outcome"] == "declined"
    assert ended.end_reason != CallEndReason.TRANSFERRED


def test_a_busy_person_takes_the_transfer_nodes_busy_output(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    number, human, placed = _warm_call(
        livekit_sip, phone_worker, provision, run_dir, "uas_busy", caller_hangup_ms="50000"
    )
    with placed as call:
        greeted(call)
        call.say(graphs.ASK_AGENT)
        assert human.wait(within=90) == 0, human.log()
        heard = hear(call, since=time.monotonic(), quiet_s=2.0)
        # The busy line, then the Say node wired to the busy output.
        assert harness.similarity(heard, graphs.TRANSFER_BUSY_BRANCH) >= 0.4, heard
        assert call.sipp.wait(within=60) == 0, call.sipp.log()
    ended = ended_call(number, within=30)
    assert _transfer_events(ended)["transfer_failed"]["outcome"] == "busy"
    assert ended.turns.filter(user_text="[transfer busy]").exists()


def test_a_person_who_does_not_answer_is_no_answer_and_the_caller_is_told(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    number, human, placed = _warm_call(
        livekit_sip, phone_worker, provision, run_dir, "uas_no_answer", caller_hangup_ms="50000"
    )
    with placed as call:
        greeted(call)
        call.say(graphs.ASK_AGENT)
        assert human.wait(within=90) == 0, human.log()  # rang out: CANCEL
        told = hear(call, since=time.monotonic())
        assert harness.similarity(told, TRANSFER_NO_ANSWER_LINE) >= 0.5, told
        assert call.sipp.wait(within=60) == 0, call.sipp.log()
    assert human.outcome() == ["cancelled"]
    ended = ended_call(number, within=30)
    assert _transfer_events(ended)["transfer_failed"]["outcome"] == "no_answer"
