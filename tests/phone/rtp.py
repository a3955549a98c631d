"""The caller's media, as a phone sends it: G.711 µ-law RTP in 20 ms packets, RFC 2833 keys.

sipp does the SIP side of the phone tier; this peer owns the RTP port that sipp's SDP offers,
so the test can speak (espeak-ng audio), press keys, and record what the agent says back
(decoded to 16-bit PCM for Whisper). It sends silence between utterances, as a phone line
does, so livekit-sip never sees the media stop unless a test stops it.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

RATE = 8000
FRAME = 160  # samples in 20 ms
PCMU = 0
TELEPHONE_EVENT = 101
SILENCE = b"\xff" * FRAME  # µ-law zero


def _ulaw_tables() -> tuple[np.ndarray, np.ndarray]:
    codes = np.arange(256, dtype=np.int32)
    inverted = ~codes & 0xFF
    sign = inverted & 0x80
    exponent = (inverted >> 4) & 0x07
    mantissa = inverted & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    decode = np.where(sign != 0, -magnitude, magnitude).astype(np.int16)
    # Encoding: the code whose decoded value is nearest, for every 16-bit sample (>> 2).
    samples = np.arange(-32768, 32768, 4, dtype=np.int32)
    order = np.argsort(decode)
    positions = np.searchsorted(decode[order], samples).clip(1, 255)
    below, above = order[positions - 1], order[positions]
    nearer_below = np.abs(samples - decode[below]) <= np.abs(samples - decode[above])
    encode = np.where(nearer_below, below, above).astype(np.uint8)
    return decode, encode


ULAW_DECODE, _ULAW_ENCODE = _ulaw_tables()


def ulaw_encode(pcm16: np.ndarray) -> bytes:
    index = (pcm16.astype(np.int32) + 32768) >> 2
    return _ULAW_ENCODE[index].tobytes()


def ulaw_decode(payload: bytes) -> np.ndarray:
    return ULAW_DECODE[np.frombuffer(payload, dtype=np.uint8)]


def to_8k(pcm: bytes, rate: int) -> np.ndarray:
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
    if rate == RATE:
        return samples.astype(np.int16)
    times = np.arange(0, len(samples) * RATE / rate) * rate / RATE
    return np.interp(times, np.arange(len(samples)), samples).astype(np.int16)


@dataclass
class Heard:
    """The agent's audio as received: (arrival time, µ-law payload) per packet."""

    packets: list[tuple[float, bytes]] = field(default_factory=list)

    def pcm16k(self, since: float = 0.0, until: float = float("inf")) -> bytes:
        payload = b"".join(p for t, p in self.packets if since <= t < until)
        audio = ulaw_decode(payload).astype(np.float32)
        times = np.arange(0, len(audio) * 2) / 2
        return np.interp(times, np.arange(len(audio)), audio).astype(np.int16).tobytes()

    def loud_after(self, since: float, *, rms: float = 300.0) -> float | None:
        for at, payload in self.packets:
            if at >= since and float(np.sqrt(np.mean(ulaw_decode(payload) ** 2.0))) > rms:
                return at
        return None


class RtpPeer:
    """A phone's RTP endpoint on loopback: sends every 20 ms, records what arrives."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.remote: tuple[str, int] | None = None
        self.heard = Heard()
        self.sending = True
        self._queue: deque[bytes | tuple[str, int]] = deque()
        self._ssrc = random.getrandbits(32)
        self._seq = random.getrandbits(16)
        self._ts = random.getrandbits(32)
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._receive, daemon=True),
            threading.Thread(target=self._send, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self.sock.close()

    def answered_by(self, host: str, port: int) -> None:
        """Where livekit-sip takes the call's media (the 200 OK's SDP)."""
        self.remote = (host, port)

    def say_pcm(self, pcm: bytes, rate: int) -> float:
        """Queue speech; returns how long it lasts (s)."""
        audio = to_8k(pcm, rate)
        pad = (-len(audio)) % FRAME
        audio = np.concatenate([audio, np.zeros(pad, dtype=np.int16)])
        for start in range(0, len(audio), FRAME):
            self._queue.append(ulaw_encode(audio[start : start + FRAME]))
        return len(audio) / RATE

    def press(self, digit: str) -> None:
        """An RFC 2833 key: 100 ms of event packets, then three end packets."""
        self._queue.append((digit, 0))

    def idle(self) -> bool:
        return not self._queue

    # -- threads --

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data, _ = self.sock.recvfrom(2048)
            except (TimeoutError, OSError):
                continue
            if len(data) < 12:
                continue
            payload_type = data[1] & 0x7F
            if payload_type == PCMU:
                csrc = data[0] & 0x0F
                self.heard.packets.append((time.monotonic(), data[12 + 4 * csrc :]))

    def _packet(self, payload_type: int, payload: bytes, *, marker: bool = False) -> bytes:
        header = struct.pack(
            "!BBHII",
            0x80,
            (0x80 if marker else 0) | payload_type,
            self._seq & 0xFFFF,
            self._ts & 0xFFFFFFFF,
            self._ssrc,
        )
        self._seq += 1
        return header + payload

    def _send(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            next_at += 0.02
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if self.remote is None or not self.sending:
                continue
            item = self._queue.popleft() if self._queue else SILENCE
            if isinstance(item, tuple):
                self._send_digit(item[0])
                next_at = time.monotonic()
                continue
            self._transmit(self._packet(PCMU, item))
            self._ts += FRAME

    def _send_digit(self, digit: str) -> None:
        code = "0123456789*#ABCD".index(digit.upper())
        duration = 0
        for i in range(5):  # 100 ms of the key held down
            duration += FRAME
            event = struct.pack("!BBH", code, 10, duration)
            self._transmit(self._packet(TELEPHONE_EVENT, event, marker=i == 0))
            time.sleep(0.02)
        for _ in range(3):  # the end of the key, sent three times as the RFC advises
            event = struct.pack("!BBH", code, 0x80 | 10, duration)
            self._transmit(self._packet(TELEPHONE_EVENT, event))
        self._ts += duration
        time.sleep(0.06)

    def _transmit(self, packet: bytes) -> None:
        if self.remote is not None:
            with contextlib.suppress(OSError):
                self.sock.sendto(packet, self.remote)
