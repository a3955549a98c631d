"""The phone tier's SIP side: a livekit-sip process on loopback, and sipp as the carrier.

livekit-sip is found on ``LIVEKIT_SIP_BIN`` or ``PATH``; it runs on ports of its own
(``BETOOL_PHONE_SIP_PORT``, 15460 by default, RTP on the hundred ports from 40 above it)
against the livekit-server of the voice tier, whose Redis carries their calls.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
HOST = "127.0.0.1"


class PhoneEnvMissing(RuntimeError):
    pass


def livekit_sip_binary() -> str:
    configured = os.environ.get("LIVEKIT_SIP_BIN", "")
    if configured:
        if not os.access(configured, os.X_OK):
            raise PhoneEnvMissing(f"LIVEKIT_SIP_BIN={configured} is not an executable file.")
        return configured
    found = shutil.which("livekit-sip")
    if not found:
        raise PhoneEnvMissing(
            "The phone tier needs a livekit-sip binary: put it on PATH or name it with "
            "LIVEKIT_SIP_BIN (scripts/test leaves the tier out, as not run, without one)."
        )
    return found


def sipp_binary() -> str:
    found = shutil.which("sipp")
    if not found:
        raise PhoneEnvMissing("The phone tier needs sipp (Debian's sip-tester package).")
    return found


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def options_answered(port: int, *, within: float = 1.0) -> bool:
    """Whether a SIP server answers an OPTIONS on ``HOST:port`` (UDP)."""
    tag = uuid.uuid4().hex[:10]
    request = (
        f"OPTIONS sip:{HOST}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {HOST};rport;branch=z9hG4bK{tag}\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:probe@{HOST}>;tag={tag}\r\n"
        f"To: <sip:{HOST}:{port}>\r\n"
        f"Call-ID: {tag}@betool-tests\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "Content-Length: 0\r\n\r\n"
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(within)
        try:
            sock.sendto(request.encode(), (HOST, port))
            reply, _ = sock.recvfrom(4096)
        except OSError:
            return False
    return reply.startswith(b"SIP/2.0 ")


@dataclass
class LiveKitSip:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def log(self, tail: int = 6000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def start_livekit_sip(
    *, binary: str, livekit_url: str, api_key: str, api_secret: str, redis_url: str, run_dir: Path
) -> LiveKitSip:
    port = int(os.environ.get("BETOOL_PHONE_SIP_PORT", "15460"))
    redis = urlparse(redis_url or "redis://127.0.0.1:63799/0")
    run_dir.mkdir(parents=True, exist_ok=True)
    config = run_dir / "livekit-sip.yaml"
    config.write_text(
        f"""# Written by the phone tier: livekit-sip on loopback, for sipp.
api_key: {api_key}
api_secret: {api_secret}
ws_url: {livekit_url}
redis:
  address: {redis.hostname}:{redis.port or 6379}
sip_port: {port}
listen_ip: {HOST}
nat_1_to_1_ip: {HOST}
rtp_port: {port + 40}-{port + 139}
use_external_ip: false
# A caller whose media stops is dropped after this (the tier checks the end reason).
media_timeout: 8s
# The tests share a busy machine: refuse calls for CPU only when it is all taken.
max_cpu_utilization: 1.0
logging:
  level: debug
"""
    )
    log_path = run_dir / "livekit-sip.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [binary, "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    sip = LiveKitSip(process, port, log_path)
    give_up = time.monotonic() + 30
    while time.monotonic() < give_up:
        if process.poll() is not None:
            raise RuntimeError(f"livekit-sip exited early:\n{sip.log()}")
        if options_answered(port):
            return sip
        time.sleep(0.3)
    sip.stop()
    raise RuntimeError(f"livekit-sip did not answer OPTIONS on {HOST}:{port}:\n{sip.log()}")


@dataclass
class Sipp:
    """One sipp run: its process, the outcome lines its scenario wrote, its messages."""

    process: subprocess.Popen[bytes]
    outcome_file: Path
    log_path: Path
    started: float = field(default_factory=time.monotonic)

    def outcome(self) -> list[str]:
        try:
            return self.outcome_file.read_text().split("\n")[:-1]
        except OSError:
            return []

    def at(self, event: str) -> float:
        """When the scenario saw ``event`` (``answered``, ``bye_received``, ``hung_up``): epoch."""
        for line in self.outcome():
            if line.startswith(event + " "):
                return float(line.split()[-1])
        raise AssertionError(f"sipp saw no {event}: {self.outcome()}")

    def wait_outcome(self, line: str, *, within: float = 30.0) -> float:
        """Until the scenario wrote an outcome line starting with ``line``; when (monotonic)."""
        give_up = time.monotonic() + within
        while time.monotonic() < give_up:
            if any(seen.startswith(line) for seen in self.outcome()):
                return time.monotonic()
            time.sleep(0.02)
        raise AssertionError(f"no {line!r} within {within:g}s: {self.outcome()}\n{self.log()}")

    def wait(self, *, within: float = 60.0) -> int:
        try:
            return self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"sipp did not finish within {within:g}s:\n{self.log()}") from None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=5)

    def messages(self) -> str:
        """Every SIP message sipp sent and received."""
        try:
            return self.log_path.with_suffix(".messages").read_text(errors="replace")
        except OSError:
            return ""

    def log(self, tail: int = 6000) -> str:
        text = []
        for path in sorted(self.log_path.parent.glob(f"{self.log_path.stem}.*")):
            if path.suffix == ".xml":
                continue
            with contextlib.suppress(OSError):
                text.append(f"--- {path.name}\n{path.read_text(errors='replace')[-tail:]}")
        return "\n".join(text)


def run_sipp(
    scenario: str,
    *,
    run_dir: Path,
    target_port: int | None = None,
    local_port: int = 0,
    keys: dict[str, str] | None = None,
    timeout_s: float = 90.0,
) -> Sipp:
    """Start sipp with ``scenarios/<scenario>.xml``: as the caller when ``target_port`` is
    given (it dials livekit-sip there), else as a callee listening on ``local_port``."""
    run_dir.mkdir(parents=True, exist_ok=True)
    name = f"{scenario}-{uuid.uuid4().hex[:8]}"
    outcome = run_dir / f"{name}.outcome"
    values = {"outcome_file": str(outcome), "hangup_ms": "60000", "caller": "+15551230000",
              "rtp_port": "9"}  # fmt: skip
    values.update(keys or {})
    # sipp fills its keywords in messages only, not in attributes (timeouts): the values are
    # written into a copy of the scenario.
    text = (SCENARIOS / f"{scenario}.xml").read_text()
    for key, value in values.items():
        text = text.replace(f"[{key}]", value)
    script = run_dir / f"{name}.xml"
    script.write_text(text)
    args = [
        sipp_binary(),
        "-sf", str(script),
        "-i", HOST,
        "-m", "1",
        "-timeout", f"{timeout_s:g}s",
        "-timeout_error",
        "-nostdin",
        "-trace_msg", "-message_file", str(run_dir / f"{name}.messages"),
        "-trace_err", "-error_file", str(run_dir / f"{name}.errors"),
    ]  # fmt: skip
    # A port of its own: a BYE that livekit-sip retransmits for an earlier call must not
    # reach this one (sipp's default port, 5060, is the same for every run).
    args += ["-p", str(local_port or free_udp_port())]
    if target_port is not None:
        args += ["-s", values.get("service", ""), f"{HOST}:{target_port}"]
    log_path = run_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=run_dir
        )
    return Sipp(process, outcome, log_path)
