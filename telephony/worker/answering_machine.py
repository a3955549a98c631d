"""Answering-machine detection from the first seconds of an answered outbound call.

No cloud model: the verdict comes from what the callee's line sounds like and says.

- Greeting length: a person says a word or two ("Hello?") and waits; a recorded greeting
  talks on. Speech is found by frame energy against the line's own noise floor.
- A beep: a pure tone (one frequency holding nearly all the energy of the frame, steady for
  ``beep_min_s``) is what a voicemail plays before it records.
- Phrases of the transcript ("leave a message", "after the tone", …).

The detector is fed frames (and transcripts) in audio time, so it is exact on recorded
audio, and decides within ``decision_s`` of the answer at most. After a machine verdict it
goes on listening for the beep, or the end of the greeting, which is when a message left is
recorded from the start.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

AnsweredBy = Literal["person", "machine", "unknown"]
# What an outbound call does: detect, ignore, or detect when the pipeline has a voicemail branch.
ScreeningMode = Literal["detect", "ignore", "auto"]

# Said by voicemail greetings, rarely by a person picking up the phone.
MACHINE_PHRASES: tuple[str, ...] = (
    "leave a message",
    "leave your message",
    "leave me a message",
    "after the tone",
    "after the beep",
    "at the tone",
    "at the beep",
    "not available",
    "unavailable",
    "can't take your call",
    "cannot take your call",
    "can't come to the phone",
    "cannot come to the phone",
    "record your message",
    "voicemail",
    "voice mail",
    "mailbox",
    "away from the phone",
    "get back to you",
)

# Said by a person who picked up, never by a recorded greeting: they overrule a verdict made
# on a long greeting alone (a talkative person), until the beep.
PERSON_PHRASES: tuple[str, ...] = (
    "how can i help",
    "how may i help",
    "who is this",
    "who's this",
    "who is calling",
    "who's calling",
    "can i help you",
    "what can i do for you",
)

# A frame is analysed at 20 ms: what a phone line carries per packet.
FRAME_S = 0.02


@dataclass(frozen=True)
class DetectionSettings:
    """The thresholds; ``decision_s`` bounds how long the callee waits for the agent."""

    decision_s: float = 4.0
    # A person's greeting is short, then a pause for the one who called.
    person_greeting_max_s: float = 2.0
    person_pause_s: float = 0.8
    # Speech this long without such a pause: a recorded greeting.
    machine_greeting_s: float = 2.6
    # After a machine verdict: silence this long ends the greeting (no beep heard).
    greeting_end_silence_s: float = 1.5
    # How long a machine's greeting may go on before the message is left anyway.
    beep_wait_s: float = 20.0
    beep_min_s: float = 0.15
    beep_min_hz: float = 400.0
    beep_max_hz: float = 2500.0
    # The share of a frame's energy at its peak frequency for it to be a tone.
    beep_purity: float = 0.7
    # The most energy a tone may have at a harmonic's place, against its own.
    beep_harmonics: float = 0.02
    # Gaps shorter than this between words belong to the same stretch of speech.
    word_gap_s: float = 0.25
    speech_floor_dbfs: float = -45.0
    noise_ceiling_dbfs: float = -50.0
    phrases: tuple[str, ...] = MACHINE_PHRASES
    person_phrases: tuple[str, ...] = PERSON_PHRASES


@dataclass(frozen=True)
class Beep:
    at_s: float
    hz: float
    duration_s: float


@dataclass(frozen=True)
class Verdict:
    answered_by: AnsweredBy
    reason: str
    decided_at_s: float
    greeting_s: float
    speech_s: float
    first_pause_at_s: float | None
    beep: Beep | None
    phrases: tuple[str, ...]
    transcript: str

    def evidence(self) -> dict[str, object]:
        """The verdict as the call's trace shows it (plain JSON)."""
        return {
            "answered_by": self.answered_by,
            "reason": self.reason,
            "decided_at_s": round(self.decided_at_s, 3),
            "greeting_s": round(self.greeting_s, 3),
            "speech_s": round(self.speech_s, 3),
            "first_pause_at_s": None
            if self.first_pause_at_s is None
            else round(self.first_pause_at_s, 3),
            "beep_at_s": None if self.beep is None else round(self.beep.at_s, 3),
            "beep_hz": None if self.beep is None else round(self.beep.hz),
            "phrases": list(self.phrases),
            "transcript": self.transcript[:500],
        }


class ToneTracker:
    """A beep: consecutive tonal frames whose peak frequency stays put."""

    def __init__(self, settings: DetectionSettings) -> None:
        self._settings = settings
        self._run_start: float | None = None
        self._run_hz = 0.0
        self._run_frames = 0
        self.beep: Beep | None = None

    def push(self, t: float, tone_hz: float | None) -> bool:
        """Feed one frame's tone (None: not a tone); True when a beep has just completed."""
        s = self._settings
        steady = (
            tone_hz is not None
            and self._run_start is not None
            and abs(tone_hz - self._run_hz) <= max(40.0, 0.04 * self._run_hz)
        )
        if tone_hz is None:
            self._run_start = None
            self._run_frames = 0
            return False
        if not steady:
            self._run_start, self._run_hz, self._run_frames = t, tone_hz, 1
        else:
            self._run_frames += 1
            self._run_hz += (tone_hz - self._run_hz) / self._run_frames
        duration = self._run_frames * FRAME_S
        if self.beep is None and duration >= s.beep_min_s - 1e-9:
            assert self._run_start is not None
            self.beep = Beep(at_s=self._run_start, hz=self._run_hz, duration_s=duration)
            return True
        return False


def frame_tone(samples: np.ndarray, rate: int, settings: DetectionSettings) -> float | None:
    """The frequency of a pure tone filling this frame, or None."""
    if samples.size < 16:
        return None
    windowed = samples * np.hanning(samples.size)
    spectrum = np.abs(np.fft.rfft(windowed)) ** 2
    total = float(spectrum.sum())
    if total <= 0.0:
        return None
    freqs = np.fft.rfftfreq(samples.size, 1.0 / rate)
    band = (freqs >= settings.beep_min_hz) & (freqs <= settings.beep_max_hz)
    if not band.any():
        return None
    peak = int(np.argmax(np.where(band, spectrum, 0.0)))
    # A Hann window spreads a pure tone over its bin and the two either side.
    near = float(spectrum[max(0, peak - 2) : peak + 3].sum())
    if near / total < settings.beep_purity:
        return None
    # A voiced vowel can put most of its energy in one harmonic, but never without its
    # neighbours: a tone has nothing at half, a third or twice its frequency.
    for ratio in (0.5, 1.0 / 3.0, 2.0):
        other = round(peak * ratio)
        inside = 2 <= other < spectrum.size - 2
        if inside and float(spectrum[other - 2 : other + 3].sum()) > near * settings.beep_harmonics:
            return None
    weights = spectrum[max(0, peak - 1) : peak + 2]
    if float(weights.sum()) <= 0.0:
        return None
    return float((freqs[max(0, peak - 1) : peak + 2] * weights).sum() / weights.sum())


def _dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(samples * samples))) if samples.size else 0.0
    return 20.0 * float(np.log10(rms)) if rms > 1e-9 else -120.0


def normalize_text(text: str) -> str:
    lowered = text.lower().replace("\u2019", "'")
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", lowered).split())


def matched_phrases(text: str, phrases: tuple[str, ...]) -> tuple[str, ...]:
    padded = f" {normalize_text(text)} "
    return tuple(p for p in phrases if f" {normalize_text(p)} " in padded)


@dataclass
class _Speech:
    """Stretches of speech so far (word gaps closed), in audio time."""

    first_start: float | None = None
    last_end: float | None = None
    total_s: float = 0.0
    first_pause_at: float | None = None
    speaking: bool = False


@dataclass
class AnsweringMachineDetector:
    """Feed it the callee's audio (any rate, mono int16) and transcripts; read ``verdict``
    (once decided, within ``decision_s``) and ``ready_for_message`` (after a machine)."""

    settings: DetectionSettings = field(default_factory=DetectionSettings)
    verdict: Verdict | None = None
    # After a machine verdict: when the beep, or the end of the greeting, was heard.
    message_at_s: float | None = None
    message_cue: str = ""
    now_s: float = 0.0
    _speech: _Speech = field(default_factory=_Speech)
    _tone: ToneTracker | None = None
    _transcript: list[str] = field(default_factory=list)
    _pending: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    _rate: int = 0
    _levels: deque[float] = field(default_factory=lambda: deque(maxlen=150))

    def __post_init__(self) -> None:
        self._tone = ToneTracker(self.settings)

    @property
    def beep(self) -> Beep | None:
        assert self._tone is not None
        return self._tone.beep

    @property
    def ready_for_message(self) -> bool:
        return self.message_at_s is not None

    @property
    def transcript(self) -> str:
        return " ".join(self._transcript).strip()

    def push_pcm(self, pcm: bytes, rate: int) -> None:
        """Raw 16-bit mono PCM, as a LiveKit audio frame's data holds it."""
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        self.push_samples(samples, rate)

    def push_samples(self, samples: np.ndarray, rate: int) -> None:
        if self._rate and rate != self._rate:
            self._pending = np.zeros(0, dtype=np.float32)
        self._rate = rate
        self._pending = np.concatenate([self._pending, samples.astype(np.float32)])
        step = max(1, round(rate * FRAME_S))
        while self._pending.size >= step:
            frame, self._pending = self._pending[:step], self._pending[step:]
            self._frame(frame, rate)

    def push_transcript(self, text: str) -> None:
        if not text.strip():
            return
        self._transcript.append(text.strip())
        phrases = matched_phrases(self.transcript, self.settings.phrases)
        if self.verdict is None:
            if phrases:
                self._decide("machine", "phrase", phrases=phrases)
            return
        # A long greeting was all the verdict had: a person's words overrule it, until the
        # beep (or the end of the greeting) has come.
        spoken_by_person = matched_phrases(self.transcript, self.settings.person_phrases)
        if (
            self.verdict.reason == "long_greeting"
            and spoken_by_person
            and not phrases
            and self.beep is None
            and self.message_at_s is None
        ):
            self._decide("person", "person_phrase", phrases=spoken_by_person)

    def close(self) -> Verdict:
        """No more audio will come (the wait is over): decide on what was heard."""
        if self.verdict is None:
            self._decide_at_deadline()
        assert self.verdict is not None
        return self.verdict

    def _frame(self, frame: np.ndarray, rate: int) -> None:
        s = self.settings
        t = self.now_s
        self.now_s = t + frame.size / rate
        tone_hz = frame_tone(frame, rate, s)
        assert self._tone is not None
        beep_done = self._tone.push(t, tone_hz)
        level = _dbfs(frame)
        self._levels.append(level)
        # The line's noise: its quietest frames of the last seconds. A greeting that starts
        # at once has had no quiet yet, so the floor is at most a quiet line's.
        noise = min(float(np.percentile(self._levels, 10)), s.noise_ceiling_dbfs)
        threshold = max(s.speech_floor_dbfs, noise + 12.0)
        voiced = tone_hz is None and level > threshold
        self._track_speech(t, voiced)
        if beep_done and self.verdict is None:
            self._decide("machine", "beep")
        if self.verdict is None:
            self._judge_timing()
        if self.verdict is not None and self.verdict.answered_by == "machine":
            self._watch_for_message(tone_hz is not None)

    def _track_speech(self, t: float, voiced: bool) -> None:
        sp, s = self._speech, self.settings
        end = t + FRAME_S
        if voiced:
            if sp.first_start is None:
                sp.first_start = t
            elif not sp.speaking and sp.last_end is not None:
                gap = t - sp.last_end
                if gap <= s.word_gap_s:
                    sp.total_s += gap  # a gap between words is part of the stretch
                elif sp.first_pause_at is None and gap >= s.person_pause_s:
                    sp.first_pause_at = sp.last_end
            sp.speaking = True
            sp.total_s += FRAME_S
            sp.last_end = end
        else:
            sp.speaking = False

    def _greeting_s(self) -> float:
        """Speech from the first word to the first pause (or to now)."""
        sp = self._speech
        if sp.first_start is None or sp.last_end is None:
            return 0.0
        until = sp.first_pause_at if sp.first_pause_at is not None else sp.last_end
        return max(0.0, until - sp.first_start)

    def _judge_timing(self) -> None:
        sp, s = self._speech, self.settings
        now = self.now_s
        if sp.first_start is not None and sp.last_end is not None:
            greeting = self._greeting_s()
            silence = 0.0 if sp.speaking else now - sp.last_end
            if sp.first_pause_at is None and greeting >= s.machine_greeting_s:
                self._decide("machine", "long_greeting")
                return
            if silence >= s.person_pause_s and greeting <= s.person_greeting_max_s:
                sp.first_pause_at = sp.first_pause_at or sp.last_end
                self._decide("person", "short_greeting_then_pause")
                return
        if now >= s.decision_s - 1e-9:
            self._decide_at_deadline()

    def _decide_at_deadline(self) -> None:
        sp, s = self._speech, self.settings
        if sp.first_start is None:
            self._decide("unknown", "no_speech")
        elif self._greeting_s() >= s.person_greeting_max_s:
            self._decide("machine", "long_greeting")
        else:
            self._decide("unknown", "undecided")

    def _decide(self, answered_by: AnsweredBy, reason: str, phrases: tuple[str, ...] = ()) -> None:
        sp = self._speech
        self.verdict = Verdict(
            answered_by=answered_by,
            reason=reason,
            decided_at_s=self.now_s,
            greeting_s=self._greeting_s(),
            speech_s=sp.total_s,
            first_pause_at_s=sp.first_pause_at,
            beep=self.beep,
            phrases=phrases or matched_phrases(self.transcript, self.settings.phrases),
            transcript=self.transcript,
        )

    def _watch_for_message(self, tone_on: bool) -> None:
        """The recording starts when the beep stops (or the greeting has ended)."""
        if self.message_at_s is not None:
            return
        s, sp = self.settings, self._speech
        if self.beep is not None:
            if not tone_on:
                self.message_at_s, self.message_cue = self.now_s, "beep"
            return
        silent_for = 0.0 if sp.speaking or sp.last_end is None else self.now_s - sp.last_end
        if silent_for >= s.greeting_end_silence_s:
            self.message_at_s, self.message_cue = self.now_s, "greeting_end"
        elif self.now_s >= s.beep_wait_s:
            self.message_at_s, self.message_cue = self.now_s, "wait_limit"
