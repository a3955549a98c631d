"""Helpers of the phone tests: place a call with sipp and its RTP peer, read what happened."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.phone.rtp import RtpPeer
from tests.phone.sip import Sipp, run_sipp
from voice_models.local.espeak import synthesize_pcm


@dataclass
class PhoneCall:
    sipp: Sipp
    rtp: RtpPeer
    answered_at: float | None = None

    def at(self, event: str) -> float:
        """When sipp saw ``event`` (``answered``, ``bye_received``, ``hung_up``), epoch s."""
        for line in self.sipp.outcome():
            if line.startswith(event + " "):
                return float(line.split()[-1])
        raise AssertionError(f"sipp saw no {event}: {self.sipp.outcome()}")

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
