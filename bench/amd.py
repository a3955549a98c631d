"""Answering-machine detection on espeak-ng voicemail greetings (beep appended) and answers.

Each case is what an outbound call's worker hears from the answer on: a little line noise,
then either a person ("Hello?", "Yes, speaking", then waiting for the caller) or a
voicemail greeting followed by its beep. Voices and speeds vary. The detector gets the audio
in 20 ms frames, as in a call; ``with_transcript`` also hands it each sentence's text once
that sentence has been heard (a recognizer's final at the pause).

Figures: precision and recall of "machine" (an "unknown" verdict counts as not machine, as
the worker greets it), how soon the verdict comes (seconds of audio from the answer, and
after a person's hello), and how soon after the beep the message would start. The baseline,
in the same run: a fixed timer that judges at the deadline on speech length alone (machine
if at least ``person_greeting_max_s`` of speech by then). Ends with one JSON line.

    uv run python bench/amd.py
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telephony.worker.answering_machine import AnsweringMachineDetector, DetectionSettings
from voice_models.local.espeak import synthesize_pcm

RATE = 16000
FRAME = RATE // 50
VOICES = ("en-us", "en-us+f3", "en+m3", "en-gb-scotland", "en-us+f4")
SPEEDS = (140, 160, 175, 190, 205)

VOICEMAILS = (
    "Hi, you have reached Sam. I can not take your call right now. Please leave a message "
    "after the tone.",
    "Hello, this is Maria. Sorry I missed your call. Leave your name and number and I will "
    "call you back.",
    "The person you are calling is not available. Please record your message after the beep.",
    "You have reached the voicemail of David Chen. Please leave a message.",
    "Hey, it's Jake. I'm away from the phone. Leave me a message and I'll get back to you.",
    "Thank you for calling Acme Dental. Our office is closed. Please leave a message and we "
    "will return your call.",
    "Hi, this is Priya. I am either on the other line or away from my desk. Please leave a "
    "detailed message.",
    "The number you have dialed is not available. At the tone, please record your message.",
    "Hello, you've reached the Johnson family. We can't come to the phone right now.",
    "This is Tom. Sorry I missed you. Talk soon.",
    "Hi there, you have reached Linda's phone. Please leave a message after the beep.",
    "Your call has been forwarded to an automatic voice message system. Alex is not available.",
    # Short ones: over before a timer could tell them from a person; the beep tells.
    "Tom here. Leave a message.",
    "It's Kim. Talk later.",
)
PEOPLE = (
    "Hello?",
    "Yes, speaking.",
    "Hi, this is Ann.",
    "Hello, who is this?",
    "Hi.",
    "Yeah?",
    "Good morning.",
    "Hello, Mark speaking.",
    "Hi, who's calling?",
    "This is Sarah.",
    "Hello there.",
    "Yes?",
    # Long-winded ones: as long as a recorded greeting, with no pause to tell them apart.
    "Hello, yes, this is Margaret Thompson speaking, who is calling me at this hour please?",
    "Good afternoon, you have reached the front desk, this is Peter, how can I help you?",
)
BEEPS = ((1000.0, 0.5), (850.0, 0.4), (1400.0, 0.3), (440.0, 0.6))


@dataclass(frozen=True)
class Case:
    machine: bool
    text: str
    voice: str
    speed: int
    beep_hz: float = 0.0
    beep_s: float = 0.0


def speech(text: str, voice: str, speed: int) -> np.ndarray:
    pcm, rate = synthesize_pcm(text, voice=voice, rate_wpm=speed)
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
    times = np.arange(int(samples.size * RATE / rate)) / RATE
    return np.interp(times, np.arange(samples.size) / rate, samples).astype(np.float32)


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(RATE * seconds), dtype=np.float32)


def tone(hz: float, seconds: float) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", text) if s]


def cases() -> list[Case]:
    styles = itertools.cycle(itertools.product(VOICES, SPEEDS))
    beeps = itertools.cycle(BEEPS)
    made: list[Case] = []
    for _ in range(2):
        for text in VOICEMAILS:
            voice, speed = next(styles)
            hz, seconds = next(beeps)
            made.append(Case(True, text, voice, speed, hz, seconds))
        for text in PEOPLE:
            voice, speed = next(styles)
            made.append(Case(False, text, voice, speed))
    return made


@dataclass
class Result:
    case: Case
    answered_by: str
    decided_at_s: float
    speech_end_s: float
    beep_end_s: float | None
    message_at_s: float | None
    # The first verdict (bounded by the deadline); a person's words may overrule it later.
    first_verdict_s: float = 0.0


def run_case(
    case: Case, settings: DetectionSettings, *, transcripts: bool, rng: np.random.Generator
) -> Result:
    """The call's audio, fed in 20 ms frames; a sentence's text is handed on after it."""
    lead = float(rng.uniform(0.2, 0.8))
    parts: list[tuple[np.ndarray, str]] = [(quiet(lead), "")]
    for sentence in sentences(case.text):
        parts.append((speech(sentence, case.voice, case.speed), sentence))
        parts.append((quiet(0.25), ""))
    speech_end = sum(p.size for p, _ in parts) / RATE
    beep_end = None
    if case.machine:
        parts.append((quiet(0.3), ""))
        parts.append((tone(case.beep_hz, case.beep_s), ""))
        beep_end = (sum(p.size for p, _ in parts)) / RATE
    parts.append((quiet(6.0), ""))
    detector = AnsweringMachineDetector(settings)

    def done() -> bool:
        verdict = detector.verdict
        return detector.ready_for_message or (
            verdict is not None and verdict.answered_by != "machine"
        )

    first_at: float | None = None
    for audio, text in parts:
        noisy = audio + rng.normal(0.0, 0.001, audio.size).astype(np.float32)
        for start in range(0, noisy.size, FRAME):
            detector.push_samples(noisy[start : start + FRAME], RATE)
            if first_at is None and detector.verdict is not None:
                first_at = detector.verdict.decided_at_s
            if done():
                break
        if done():
            break
        if transcripts and text:
            detector.push_transcript(text)
            if first_at is None and detector.verdict is not None:
                first_at = detector.verdict.decided_at_s
    verdict = detector.verdict or detector.close()
    first = first_at if first_at is not None else verdict.decided_at_s
    return Result(case, verdict.answered_by, verdict.decided_at_s, speech_end, beep_end,
                  detector.message_at_s, first)  # fmt: skip


def baseline(case: Case, result_speech_s: float, settings: DetectionSettings) -> bool:
    """A fixed timer: at the deadline, machine when there has been enough speech."""
    return result_speech_s >= settings.person_greeting_max_s


def speech_within(case: Case, seconds: float, rng: np.random.Generator) -> float:
    lead = float(rng.uniform(0.2, 0.8))
    total = 0.0
    at = lead
    for sentence in sentences(case.text):
        length = speech(sentence, case.voice, case.speed).size / RATE
        total += max(0.0, min(at + length, seconds) - at) if at < seconds else 0.0
        at += length + 0.25
    return total


def scores(results: list[Result], machine_of: list[bool]) -> dict[str, float]:
    tp = sum(1 for r, m in zip(results, machine_of, strict=True) if m and r.case.machine)
    fp = sum(1 for r, m in zip(results, machine_of, strict=True) if m and not r.case.machine)
    fn = sum(1 for r, m in zip(results, machine_of, strict=True) if not m and r.case.machine)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3),
            "false_machine": fp, "missed_machine": fn}  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 3) if values else 0.0


def main() -> None:
    settings = DetectionSettings()
    all_cases = cases()
    figures: dict[str, object] = {
        "bench": "amd",
        "machines": sum(c.machine for c in all_cases),
        "people": sum(not c.machine for c in all_cases),
        "deadline_s": settings.decision_s,
    }
    for label, transcripts in (("audio_only", False), ("with_transcript", True)):
        rng = np.random.default_rng(7)
        results = [run_case(c, settings, transcripts=transcripts, rng=rng) for c in all_cases]
        ours = scores(results, [r.answered_by == "machine" for r in results])
        decided = [r.first_verdict_s for r in results]
        person_after_hello = [
            r.decided_at_s - r.speech_end_s for r in results if not r.case.machine
        ]
        after_beep = [
            r.message_at_s - r.beep_end_s
            for r in results
            if r.case.machine and r.message_at_s is not None and r.beep_end_s is not None
        ]
        figures[label] = {
            **ours,
            "unknown": sum(r.answered_by == "unknown" for r in results),
            "overruled_by_person_phrase": sum(r.decided_at_s != r.first_verdict_s for r in results),
            "decision_p50_s": percentile(decided, 50),
            "decision_p90_s": percentile(decided, 90),
            "decision_max_s": round(max(decided), 3),
            "decision_max_over_deadline": round(max(decided) / settings.decision_s, 3),
            "person_verdict_after_hello_p50_s": percentile(person_after_hello, 50),
            "message_after_beep_p50_s": percentile(after_beep, 50),
            "message_after_beep_max_s": round(max(after_beep), 3) if after_beep else None,
            "misjudged": [
                f"{'machine' if r.case.machine else 'person'}: {r.case.text[:40]!r} "
                f"({r.case.voice}, {r.case.speed}) -> {r.answered_by}"
                for r in results
                if (r.answered_by == "machine") != r.case.machine
            ],
        }
    rng = np.random.default_rng(7)
    timer = [baseline(c, speech_within(c, settings.decision_s, rng), settings) for c in all_cases]
    fake = [Result(c, "", 0.0, 0.0, None, None) for c in all_cases]
    base = scores(fake, timer)
    figures["baseline_timer"] = base
    audio = figures["audio_only"]
    assert isinstance(audio, dict)
    figures["recall_vs_baseline"] = (
        round(audio["recall"] / base["recall"], 3) if base["recall"] else None
    )
    figures["precision_vs_baseline"] = (
        round(audio["precision"] / base["precision"], 3) if base["precision"] else None
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
