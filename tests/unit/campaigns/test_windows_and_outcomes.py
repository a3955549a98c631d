"""Calling windows in the contact's time zone, retry policies, and a call's outcome."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campaigns.models import Outcome
from campaigns.outcomes import call_outcome
from campaigns.policy import PolicyInvalid, parse_retry_policy, retry_for
from campaigns.windows import WindowsInvalid, inside, next_opening, parse_windows
from telephony.models import AnsweredBy, Call, CallEndReason

WINDOWS = parse_windows(
    {"mon": [["09:00", "12:00"], ["14:00", "18:00"]], "wed": [["10:00", "11:00"]]}
)


def test_inside_a_window_is_now_and_outside_is_the_next_opening_in_the_contacts_zone() -> None:
    monday_9_30_paris = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
    assert inside(WINDOWS, at=monday_9_30_paris, tz="Europe/Paris")
    # 03:30 in New York: the window opens at 09:00 there, 14:00 UTC.
    assert next_opening(WINDOWS, at=monday_9_30_paris, tz="America/New_York") == datetime(
        2026, 11, 30, 14, 0, tzinfo=UTC
    )
    monday_lunch_paris = datetime(2026, 11, 30, 11, 30, tzinfo=UTC)
    assert next_opening(WINDOWS, at=monday_lunch_paris, tz="Europe/Paris") == datetime(
        2026, 11, 30, 13, 0, tzinfo=UTC
    )
    monday_evening_paris = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    assert next_opening(WINDOWS, at=monday_evening_paris, tz="Europe/Paris") == datetime(
        2026, 12, 2, 9, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("windows", "problem"),
    [
        ({"monday": [["09:00", "10:00"]]}, "Unknown weekday"),
        ({"mon": [["10:00", "09:00"]]}, "end after it starts"),
        ({"mon": [["9am", "10:00"]]}, "not a time"),
        ({"mon": []}, "at least one"),
    ],
)
def test_bad_windows_are_refused_with_a_reason(windows: object, problem: str) -> None:
    with pytest.raises(WindowsInvalid, match=problem):
        parse_windows(windows)


def test_a_retry_policy_fills_in_defaults_and_refuses_nonsense() -> None:
    policy = parse_retry_policy({"busy": {"delay_s": 60, "max_attempts": 5}})
    assert policy["busy"] == {"delay_s": 60, "max_attempts": 5}
    assert set(policy) == {"busy", "no_answer", "voicemail", "failed", "rejected_by_limit"}
    assert retry_for(policy, "person") is None
    with pytest.raises(PolicyInvalid, match="max_attempts"):
        parse_retry_policy({"busy": {"max_attempts": 0}})
    with pytest.raises(PolicyInvalid, match="No retry for person"):
        parse_retry_policy({"person": {"max_attempts": 2}})


def _call(reason: str, *, connected: bool = False, active: bool = False, refusal: str = "") -> Call:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    return Call(
        end_reason=reason,
        refusal_reason=refusal,
        connected_at=now if connected else None,
        active_at=now if active else None,
    )


@pytest.mark.parametrize(
    ("call", "outcome"),
    [
        (_call(CallEndReason.BUSY), Outcome.BUSY),
        (_call(CallEndReason.REJECTED), Outcome.BUSY),
        (_call(CallEndReason.NO_ANSWER), Outcome.NO_ANSWER),
        (_call(CallEndReason.ERROR), Outcome.FAILED),
        (_call(CallEndReason.WORKER_LOST), Outcome.FAILED),
        (_call(CallEndReason.REFUSED, refusal="trunk_busy"), Outcome.REJECTED_BY_LIMIT),
        (_call(CallEndReason.REFUSED, refusal="no_pipeline"), Outcome.FAILED),
        (_call(CallEndReason.CALLER_HANGUP), Outcome.NO_ANSWER),
        (_call(CallEndReason.AGENT_HANGUP, connected=True, active=True), Outcome.PERSON),
        (_call(CallEndReason.CALLER_HANGUP, connected=True), Outcome.PERSON),
        (_call(CallEndReason.MEDIA_TIMEOUT, connected=True), Outcome.FAILED),
    ],
)
def test_a_calls_outcome_comes_from_its_end_reason(call: Call, outcome: Outcome) -> None:
    assert call_outcome(call) == outcome


def test_a_call_answered_by_a_machine_is_voicemail() -> None:
    call = _call(CallEndReason.AGENT_HANGUP, connected=True, active=True)
    call.answered_by = AnsweredBy.MACHINE  # set by answering-machine detection
    assert call_outcome(call) == Outcome.VOICEMAIL
    call.answered_by = AnsweredBy.PERSON
    assert call_outcome(call) == Outcome.PERSON
