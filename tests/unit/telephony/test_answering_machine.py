"""Answering-machine detection on synthetic audio: tones, speech-like sound and espeak-ng."""

from __future__ import annotations

import numpy as np
import pytest

from telephony.worker.answering_machine import (
    AnsweringMachineDetector,
    DetectionSettings,
    matched_phrases,
)

RATE = 16000


def silence(seconds: float) -> np.ndarray:
    rng = np.random.default_rng(1)
    return (rng.standard_normal(int(RATE * seconds)) * 0.0005).astype(np.float32)


def tone(seconds: float, hz: float = 1000.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (level * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def voice(seconds: float, *, seed: int = 0) -> np.ndarray:
    """Speech-like sound: a wandering pitch with its harmonics, in syllables."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(RATE * seconds)) / RATE
    f0 = 140 + 30 * np.sin(2 * np.pi * 3.1 * t) + 10 * rng.standard_normal(1)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    harmonics = sum(np.sin(k * phase) / k for k in range(1, 12))
    syllables = 0.6 + 0.4 * np.sin(2 * np.pi * 4.0 * t) ** 2
    noise = 0.05 * rng.standard_normal(t.size)
    return (0.15 * syllables * harmonics + noise * 0.02).astype(np.float32)


def run(*parts: np.ndarray, settings: DetectionSettings | None = None) -> AnsweringMachineDetector:
    detector = AnsweringMachineDetector(settings or DetectionSettings())
    audio = np.concatenate(parts)
    for start in range(0, audio.size, 320):  # 20 ms frames, as the line carries them
        detector.push_samples(audio[start : start + 320], RATE)
    return detector


def pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes()


def test_a_short_hello_then_a_pause_is_a_person() -> None:
    detector = run(silence(0.3), voice(0.7), silence(1.5))
    verdict = detector.verdict
    assert verdict is not None
    assert verdict.answered_by == "person"
    assert verdict.reason == "short_greeting_then_pause"
    assert verdict.greeting_s == pytest.approx(0.7, abs=0.1)
    # Decided once the pause was long enough, not at the deadline.
    assert verdict.decided_at_s == pytest.approx(0.3 + 0.7 + 0.8, abs=0.1)
    assert verdict.beep is None


def test_a_long_greeting_is_a_machine_before_the_deadline() -> None:
    detector = run(silence(0.2), voice(5.0), silence(1.0))
    verdict = detector.verdict
    assert verdict is not None
    assert verdict.answered_by == "machine"
    assert verdict.reason == "long_greeting"
    assert verdict.decided_at_s == pytest.approx(0.2 + 2.6, abs=0.1)
    assert verdict.decided_at_s < DetectionSettings().decision_s


def test_a_beep_is_found_with_its_time_and_frequency_and_speech_is_not_a_beep() -> None:
    detector = run(silence(0.5), tone(0.4, hz=1000.0), silence(0.5))
    beep = detector.beep
    assert beep is not None
    assert beep.at_s == pytest.approx(0.5, abs=0.03)
    assert beep.hz == pytest.approx(1000, abs=25)
    assert detector.verdict is not None
    assert detector.verdict.reason == "beep"
    assert detector.message_cue == "beep"
    assert detector.message_at_s == pytest.approx(0.9, abs=0.05)
    assert run(voice(4.0, seed=3)).beep is None


def test_a_click_shorter_than_the_beep_minimum_is_no_beep() -> None:
    detector = run(silence(0.5), tone(0.08), silence(0.6), voice(0.6), silence(1.2))
    assert detector.beep is None
    assert detector.verdict is not None
    assert detector.verdict.answered_by == "person"


def test_after_a_machine_verdict_the_message_waits_for_the_beep() -> None:
    detector = run(voice(4.0), silence(0.4), tone(0.5, hz=850.0), silence(0.3))
    assert detector.verdict is not None
    assert detector.verdict.answered_by == "machine"
    assert detector.verdict.beep is None  # decided on the greeting, before the beep
    assert detector.beep is not None
    assert detector.beep.at_s == pytest.approx(4.4, abs=0.03)
    assert detector.message_cue == "beep"
    assert detector.message_at_s == pytest.approx(4.9, abs=0.05)


def test_without_a_beep_the_end_of_the_greeting_starts_the_message() -> None:
    detector = run(voice(4.0), silence(2.0))
    assert detector.message_cue == "greeting_end"
    assert detector.message_at_s == pytest.approx(4.0 + 1.5, abs=0.05)


def test_silence_is_unknown_at_the_deadline() -> None:
    detector = run(silence(5.0))
    assert detector.verdict is not None
    assert detector.verdict.answered_by == "unknown"
    assert detector.verdict.reason == "no_speech"
    assert detector.verdict.decided_at_s == pytest.approx(4.0, abs=0.03)


def test_the_deadline_is_a_setting() -> None:
    detector = run(silence(3.0), settings=DetectionSettings(decision_s=2.0))
    assert detector.verdict is not None
    assert detector.verdict.decided_at_s == pytest.approx(2.0, abs=0.03)


def test_a_phrase_of_the_transcript_decides_machine_with_the_phrase_as_evidence() -> None:
    detector = run(voice(0.8))
    assert detector.verdict is None
    detector.push_transcript("Sorry, I'm not available right now. Please leave a message.")
    verdict = detector.verdict
    assert verdict is not None
    assert verdict.answered_by == "machine"
    assert verdict.reason == "phrase"
    assert set(verdict.phrases) == {"not available", "leave a message"}
    evidence = verdict.evidence()
    assert evidence["phrases"] == list(verdict.phrases)
    assert evidence["answered_by"] == "machine"


def test_phrases_match_whole_words_only() -> None:
    assert matched_phrases("We're a voicemail-free office", ("voicemail",)) == ("voicemail",)
    assert matched_phrases("the mailboxes are full", ("mailbox",)) == ()
    assert matched_phrases("I can\u2019t take your call", ("can't take your call",)) == (
        "can't take your call",
    )


def test_pcm_frames_at_the_phone_rate_are_understood() -> None:
    detector = AnsweringMachineDetector()
    pcm = pcm16(np.concatenate([voice(0.6), silence(1.2)]))
    resampled = np.frombuffer(pcm, dtype=np.int16)[::2].tobytes()  # 8 kHz
    for start in range(0, len(resampled), 320):
        detector.push_pcm(resampled[start : start + 320], 8000)
    assert detector.verdict is not None
    assert detector.verdict.answered_by == "person"


def test_close_decides_on_what_was_heard() -> None:
    detector = run(voice(2.2))
    assert detector.verdict is None
    assert detector.close().answered_by == "machine"


def test_espeak_voicemail_with_a_beep_and_an_espeak_hello() -> None:
    from voice_models.local.espeak import synthesize_pcm

    greeting, rate = synthesize_pcm(
        "Hi, you have reached Dana. I can not take your call right now. "
        "Please leave your name and number after the tone."
    )
    samples = np.frombuffer(greeting, dtype=np.int16).astype(np.float32) / 32768.0
    machine = AnsweringMachineDetector()
    machine.push_samples(np.concatenate([samples, np.zeros(rate // 4, np.float32)]), rate)
    machine.push_samples(_at(rate, 0.5), rate)
    machine.push_samples(np.zeros(rate // 2, np.float32), rate)
    assert machine.verdict is not None
    assert machine.verdict.answered_by == "machine"
    assert machine.message_cue == "beep"

    hello, rate = synthesize_pcm("Hello?")
    person = AnsweringMachineDetector()
    person.push_samples(np.frombuffer(hello, dtype=np.int16).astype(np.float32) / 32768.0, rate)
    person.push_samples(np.zeros(rate * 2, np.float32), rate)
    assert person.verdict is not None
    assert person.verdict.answered_by == "person"


def _at(rate: int, seconds: float, hz: float = 1000.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_a_talkative_person_overrules_a_verdict_made_on_greeting_length_alone() -> None:
    detector = run(voice(3.0))
    assert detector.verdict is not None
    assert detector.verdict.reason == "long_greeting"
    detector.push_transcript("Good afternoon, this is Peter at the front desk, how can I help you?")
    assert detector.verdict.answered_by == "person"
    assert detector.verdict.reason == "person_phrase"
    assert detector.verdict.phrases == ("how can i help", "can i help you")


def test_a_person_phrase_does_not_overrule_a_beep_or_a_voicemail_phrase() -> None:
    beeped = run(voice(3.0), silence(0.2), tone(0.3))
    beeped.push_transcript("how can I help you")
    assert beeped.verdict is not None
    assert beeped.verdict.answered_by == "machine"
    said = run(voice(3.0))
    said.push_transcript("Who is calling? Please leave a message.")
    assert said.verdict is not None
    assert said.verdict.answered_by == "machine"
