"""Calls placed as a carrier would: sipp's INVITE and RTP reach the number's pipeline through
livekit-sip, and what the caller hears is the agent's audio, transcribed back."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Sum

from betool.models import LedgerEntry, LedgerKind
from telephony.models import Call, CallEndReason, CallStatus
from tests.phone.calls import PhoneCall, inbound_call
from tests.voice import graphs, harness


def _hear(call: PhoneCall, *, since: float, within: float = 30.0, quiet_s: float = 1.2) -> str:
    """What the agent said from ``since`` until it paused for ``quiet_s``, transcribed."""
    give_up = time.monotonic() + within
    start = None
    while time.monotonic() < give_up:
        start = start or call.rtp.heard.loud_after(since)
        if start is not None:
            last = call.rtp.heard.packets[-1][0] if call.rtp.heard.packets else start
            louder = call.rtp.heard.loud_after(time.monotonic() - quiet_s)
            if louder is None and time.monotonic() - start > quiet_s and last > start:
                break
        time.sleep(0.1)
    assert start is not None, "the caller heard nothing"
    return asyncio.run(harness.transcribe_pcm(call.rtp.heard.pcm16k(since=start)))


def _call_of(number: Any, *, within: float = 15.0) -> Call:
    give_up = time.monotonic() + within
    while time.monotonic() < give_up:
        call = Call.objects.filter(number=number).order_by("-id").first()
        if call is not None and call.status == CallStatus.ENDED:
            return call
        time.sleep(0.2)
    raise AssertionError(f"the call of {number.e164} was not ended: {call and call.status}")


def _billed_seconds(call: Call) -> Decimal:
    entries = LedgerEntry.objects.filter(source=f"call-{call.pk}", kind=LedgerKind.CALL_SECONDS)
    return entries.aggregate(q=Sum("quantity"))["q"] or Decimal(0)


def test_the_caller_hears_the_greeting_and_is_billed_the_answered_time(
    livekit_sip: Any, phone_worker: Any, provision: Any, run_dir: Path
) -> None:
    agent_name, worker = phone_worker
    number = provision(agent_name)
    with inbound_call(livekit_sip, number, run_dir, hangup_ms="9000") as call:
        assert call.wait_answered(), call.sipp.log()
        assert call.answered_at is not None
        heard = _hear(call, since=call.answered_at)
        assert harness.similarity(heard, graphs.GREETING) >= 0.6, heard
        assert call.sipp.wait(within=30) == 0, call.sipp.log()
        hung_up = time.monotonic()
    assert call.sipp.outcome()[-1] == "hung_up"
    ended = _call_of(number)
    assert ended.end_reason == CallEndReason.CALLER_HANGUP, worker.log()
    answered_s = hung_up - call.answered_at
    billed = _billed_seconds(ended)
    assert abs(float(billed) - answered_s) < 1.0, (billed, answered_s)
    assert ended.duration_s is not None
    assert abs(ended.duration_s - answered_s) < 1.0
