"""Calls placed as a carrier would: sipp's INVITE and RTP reach the number's pipeline through
livekit-sip, and what the caller hears is the agent's audio, transcribed back."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from telephony.models import Call, CallEndReason
from tests.phone.calls import (
    billed_seconds,
    ended_call,
    greeted,
    hear,
    heard_until_quiet,
    inbound_call,
    turn,
)
from tests.voice import graphs, harness


def test_the_caller_hears_the_greeting_and_is_billed_the_answered_time(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    agent_name, worker = phone_worker
    number = provision(agent_name)
    with inbound_call(livekit_sip, number, run_dir, hangup_ms="9000") as call:
        assert call.wait_answered(), call.sipp.log()
        assert call.answered_at is not None
        heard = hear(call, since=call.answered_at)
        assert harness.similarity(heard, graphs.GREETING) >= 0.6, heard
        assert call.sipp.wait(within=30) == 0, call.sipp.log()
    assert call.sipp.outcome()[-1].startswith("hung_up")
    ended = ended_call(number)
    assert ended.end_reason == CallEndReason.CALLER_HANGUP, worker.log()
    answered_s = call.at("hung_up") - call.at("answered")
    billed = billed_seconds(ended)
    assert abs(float(billed) - answered_s) < 1.0, (billed, answered_s)
    assert ended.duration_s is not None
    assert abs(ended.duration_s - answered_s) < 1.0


def test_speech_in_reply_out_and_the_agents_hang_up_sends_a_bye(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    agent_name, worker = phone_worker
    number = provision(agent_name)
    with inbound_call(livekit_sip, number, run_dir) as call:
        greeted(call)
        answer = turn(call, graphs.ASK_BALANCE)  # G.711 at 8 kHz: Whisper misses a word or two
        assert harness.similarity(answer, graphs.BALANCE) >= 0.5, answer
        call.say(graphs.ASK_BYE)
        call.sipp.wait_outcome("bye_received", within=60)
        assert call.sipp.wait(within=10) == 0, call.sipp.log()
    ended = ended_call(number)
    assert ended.end_reason == CallEndReason.AGENT_HANGUP, worker.log()
    answered_s = call.at("bye_received") - call.at("answered")
    assert abs(float(billed_seconds(ended)) - answered_s) < 1.0


def test_rfc2833_keys_reach_the_graph(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    agent_name, _ = phone_worker
    number = provision(agent_name)
    with inbound_call(livekit_sip, number, run_dir, hangup_ms="90000") as call:
        greeted(call)
        call.wait_spoken()
        call.say(graphs.ASK_PAY)
        call.wait_spoken()
        # The keys go in as soon as the prompt ends (the collection waits 15 s for them);
        # what was heard is transcribed afterwards.
        prompt_at = heard_until_quiet(call, since=time.monotonic())
        prompt_end = time.monotonic()
        for digit in "4711#":
            call.rtp.press(digit)
        call.wait_spoken()
        heard_until_quiet(call, since=time.monotonic())  # "You typed 4711" (spelled out)
        prompt = asyncio.run(
            harness.transcribe_pcm(call.rtp.heard.pcm16k(since=prompt_at, until=prompt_end))
        )
        assert harness.similarity(prompt, graphs.DIGITS_PROMPT) >= 0.5, prompt
    ended = ended_call(number, within=60)  # the caller's line went quiet: media timeout
    keys = [e.data["digit"] for e in ended.events.filter(kind="dtmf").order_by("id")]
    assert keys == list("4711#")
    digits_turn = ended.turns.get(sequence=2)
    assert digits_turn.user_text == "[digits] 4711"
    assert digits_turn.agent_text == "Thank you. You typed 4711."
    assert ended.end_reason == CallEndReason.MEDIA_TIMEOUT


def test_no_refer_reaches_a_carrier_that_does_not_take_it(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    from telephony.worker.state import TRANSFER_FAILED_LINE

    agent_name, _ = phone_worker
    number = provision(agent_name, supports_refer=False)
    with inbound_call(livekit_sip, number, run_dir, hangup_ms="40000") as call:
        greeted(call)
        call.say(graphs.ASK_AGENT)
        call.wait_spoken()
        told = hear(call, since=time.monotonic())
        assert harness.similarity(told, TRANSFER_FAILED_LINE) >= 0.5, told
        assert call.sipp.wait(within=60) == 0, call.sipp.log()
    assert "REFER sip:" not in call.sipp.messages()


def test_the_trunk_limit_answers_exactly_its_calls_and_rejects_the_rest_unanswered(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    agent_name, _ = phone_worker
    number = provision(agent_name, max_concurrent_calls=2)
    # The answered calls last until every call has been judged (each call waits for a job
    # process of its own, seconds each on a busy machine).
    calls = [inbound_call(livekit_sip, number, run_dir, hangup_ms="45000") for _ in range(4)]
    placed = [c.__enter__() for c in calls]
    try:
        answered = [p.wait_answered(within=120) for p in placed]
        for p in placed:
            p.sipp.wait(within=120)
    finally:
        for c in calls:
            c.__exit__(None, None, None)
    assert sorted(answered) == [False, False, True, True], [p.sipp.outcome() for p in placed]
    for p, was_answered in zip(placed, answered, strict=True):
        if not was_answered:  # rejected at the SIP level: busy, and never a 200 OK
            assert p.sipp.outcome() == ["refused 486"], p.sipp.log()
            assert "SIP/2.0 486" in p.sipp.messages()
            assert "SIP/2.0 200 OK" not in p.sipp.messages()
    calls = Call.objects.filter(number=number)
    assert calls.exclude(end_reason=CallEndReason.REFUSED).count() == 2
    # The rejected calls are on record: refused for the trunk's limit, never connected.
    refused = calls.filter(end_reason=CallEndReason.REFUSED)
    assert [c.refusal_reason for c in refused] == ["trunk_busy", "trunk_busy"]
    assert all(c.connected_at is None and billed_seconds(c) == 0 for c in refused)


def test_a_number_without_a_pipeline_says_so_and_hangs_up(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    from telephony.worker.state import NOT_IN_SERVICE_LINE

    agent_name, _ = phone_worker
    number = provision(agent_name, pipeline=False)
    with inbound_call(livekit_sip, number, run_dir) as call:
        assert call.wait_answered(), call.sipp.log()
        assert call.answered_at is not None
        told = hear(call, since=call.answered_at)
        assert harness.similarity(told, NOT_IN_SERVICE_LINE) >= 0.6, told
        call.sipp.wait_outcome("bye_received", within=20)


def test_a_killed_call_process_ends_the_sip_leg_at_once_billed_to_its_death(
    livekit_sip: Any, phone_env: Any, provision: Any, run_dir: Path, django_db_blocker: Any
) -> None:
    import os
    import re
    import signal

    from tests.phone.conftest import start_phone_worker
    from tests.voice.conftest import _database_url

    agent_name, worker = start_phone_worker(phone_env, database_url=_database_url())
    try:
        number = provision(agent_name)
        with inbound_call(livekit_sip, number, run_dir) as call:
            greeted(call)
            room = Call.objects.get(number=number).room_name
            found = re.search(rf"room {re.escape(room)}: job process (\d+)", worker.log(200_000))
            assert found, worker.log()
            os.kill(int(found.group(1)), signal.SIGKILL)
            killed_at = time.time()
            bye = call.sipp.wait_outcome("bye_received", within=15)  # not the reaper's minutes
            assert call.sipp.wait(within=10) == 0, call.sipp.log()
        assert bye - call.answered_at < 60  # type: ignore[operator]
        ended = ended_call(number)
        assert ended.end_reason == CallEndReason.WORKER_LOST
        assert call.at("bye_received") - killed_at < 5.0
        answered_s = killed_at - call.at("answered")
        assert abs(float(billed_seconds(ended)) - answered_s) < 1.5, (answered_s, worker.log())
    finally:
        worker.stop()
