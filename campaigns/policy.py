"""A campaign's retry policy: per outcome, how long to wait and how many attempts in all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from campaigns.models import RETRYABLE_OUTCOMES, Outcome

MAX_DELAY_S = 30 * 24 * 3600
MAX_ATTEMPTS = 20

DEFAULT_RETRY_POLICY: dict[str, dict[str, int]] = {
    Outcome.BUSY: {"delay_s": 600, "max_attempts": 3},
    Outcome.NO_ANSWER: {"delay_s": 1800, "max_attempts": 3},
    Outcome.VOICEMAIL: {"delay_s": 3600, "max_attempts": 2},
    Outcome.FAILED: {"delay_s": 300, "max_attempts": 2},
    Outcome.REJECTED_BY_LIMIT: {"delay_s": 60, "max_attempts": 10},
}


class PolicyInvalid(ValueError):
    pass


@dataclass(frozen=True)
class Retry:
    delay_s: int
    max_attempts: int  # attempts in all, the first included: 1 = never retried


def parse_retry_policy(raw: object) -> dict[str, dict[str, int]]:
    """The policy with every retryable outcome filled in (defaults for those not given)."""
    if not isinstance(raw, dict):
        raise PolicyInvalid("The retry policy is a map of outcome to {delay_s, max_attempts}.")
    unknown = sorted(set(raw) - {str(o) for o in RETRYABLE_OUTCOMES})
    if unknown:
        raise PolicyInvalid(
            f"No retry for {', '.join(unknown)}: retry "
            + ", ".join(str(o) for o in RETRYABLE_OUTCOMES)
            + "."
        )
    policy: dict[str, dict[str, int]] = {}
    for outcome in RETRYABLE_OUTCOMES:
        given: Any = raw.get(str(outcome), DEFAULT_RETRY_POLICY[outcome])
        if not isinstance(given, dict):
            raise PolicyInvalid(f"{outcome}: give delay_s and max_attempts.")
        merged = {**DEFAULT_RETRY_POLICY[outcome], **given}
        delay, attempts = merged.get("delay_s"), merged.get("max_attempts")
        if not isinstance(delay, int) or isinstance(delay, bool) or not 0 <= delay <= MAX_DELAY_S:
            raise PolicyInvalid(f"{outcome}: delay_s is whole seconds, 0 to {MAX_DELAY_S}.")
        if (
            not isinstance(attempts, int)
            or isinstance(attempts, bool)
            or not 1 <= attempts <= MAX_ATTEMPTS
        ):
            raise PolicyInvalid(f"{outcome}: max_attempts is 1 to {MAX_ATTEMPTS}.")
        policy[str(outcome)] = {"delay_s": delay, "max_attempts": attempts}
    return policy


def retry_for(policy: dict[str, Any], outcome: str) -> Retry | None:
    """None: the outcome is final whatever the count (a person answered)."""
    if outcome not in {str(o) for o in RETRYABLE_OUTCOMES}:
        return None
    entry = {**DEFAULT_RETRY_POLICY[Outcome(outcome)], **(policy.get(outcome) or {})}
    return Retry(delay_s=int(entry["delay_s"]), max_attempts=int(entry["max_attempts"]))
