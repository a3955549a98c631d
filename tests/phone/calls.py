"""Helpers of the phone tests: place a call with sipp and its RTP peer, read what happened."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Sum

from betool.models import LedgerEntry, LedgerKind
from telephony.models import Call, CallStatus
from tests.phone.rtp import RtpPeer
from tests.phone.sip import Sipp, run_sipp
from tests.voice import harness
from voice_models.local.espeak import synthesize_pcm


@dataclass
class PhoneCall:
    sipp: Sipp
    rtp: RtpPeer
    answered_at: float | None = None

    def at(self, event: str) -> float:
        return self.sipp.at(event)

    def wait_answered(self, *, within: float = 40.0) -> bool:
        """Until sipp saw the 200 OK (then the RTP peer sends to livekit-sip's port)."""
        give_up = time.monotonic() + within
        while time.monotonic() < give_up:
            for line in self.sipp.outcome():
                if line.startswith("answered "):
                    if self.answered_at is None:
                        self.answered_at = time.monotonic()
                        self.rtp.answered_by("127.0.0.1", int(line.split()[1]))
                    return True
                if line.startswith("refused"):
                    return False
            if self.sipp.process.poll() is not None:
                return False
            time.sleep(0.02)
        raise AssertionError(f"the call was not answered within {within:g}s:\n{self.sipp.log()}")

    def say(self, text: str) -> float:
        pcm, rate = synthesize_pcm(text)
        return self.rtp.say_pcm(pcm, rate)

    def wait_spoken(self) -> None:
        while not self.rtp.idle():
            time.sleep(0.02)


@contextmanager
def inbound_call(
    livekit_sip: Any, number: Any, run_dir: Path, *, scenario: str = "uac_call", **keys: str
) -> Iterator[PhoneCall]:
    rtp = RtpPeer()
    values = {"service": number.e164, "rtp_port": str(rtp.port), **keys}
    sipp = run_sipp(scenario, run_dir=run_dir, target_port=livekit_sip.port, keys=values)
    try:
        yield PhoneCall(sipp, rtp)
    finally:
        if sipp.process.poll() is None:
            sipp.kill()
        rtp.close()


def heard_until_quiet(
    call: PhoneCall, *, since: float, within: float = 60.0, quiet_s: float = 1.2
) -> float:
    """Waits for the agent's speech after ``since`` and its end; returns when it began."""
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
    assert start is not None, f"the caller heard nothing: {call.sipp.outcome()}"
    return start


def hear(call: PhoneCall, *, since: float, within: float = 60.0, quiet_s: float = 1.2) -> str:
    """What the agent said from ``since`` until it paused for ``quiet_s``, transcribed."""
    start = heard_until_quiet(call, since=since, within=within, quiet_s=quiet_s)
    return asyncio.run(harness.transcribe_pcm(call.rtp.heard.pcm16k(since=start)))


def greeted(call: PhoneCall) -> None:
    """Answered, and the greeting played (its words are checked by the first inbound test)."""
    assert call.wait_answered(), call.sipp.log()
    assert call.answered_at is not None
    heard_until_quiet(call, since=call.answered_at)


def turn(call: PhoneCall, text: str) -> str:
    """The caller says ``text``; what the agent answers, transcribed."""
    call.wait_spoken()
    time.sleep(0.3)
    call.say(text)
    call.wait_spoken()
    return hear(call, since=time.monotonic())


def ended_call(number: Any, *, within: float = 15.0) -> Call:
    """The latest call of ``number``, once the worker has ended it."""
    give_up = time.monotonic() + within
    while time.monotonic() < give_up:
        call = Call.objects.filter(number=number).order_by("-id").first()
        if call is not None and call.status == CallStatus.ENDED:
            return call
        time.sleep(0.2)
    raise AssertionError(f"the call of {number.e164} was not ended: {call and call.status}")


def billed_seconds(call: Call) -> Decimal:
    entries = LedgerEntry.objects.filter(source=f"call-{call.pk}", kind=LedgerKind.CALL_SECONDS)
    return entries.aggregate(q=Sum("quantity"))["q"] or Decimal(0)
