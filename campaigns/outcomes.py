"""What one campaign call came to, read from how the Call ended.

The worker records the network's answer as the Call's ``end_reason`` and, with
answering-machine detection, who answered as ``answered_by`` (person / machine / unknown);
a call that has no ``answered_by`` yet counts as answered by a person once connected.
"""

from __future__ import annotations

from campaigns.models import Outcome
from telephony.models import AnsweredBy, Call, CallEndReason

# Refusals that say "not now, too many calls or no credit": the contact is tried again.
LIMIT_REFUSALS = frozenset(
    {"too_many_calls", "trunk_busy", "number_busy", "no_credits", "concurrency_limit"}
)

_NOT_ANSWERED = {
    CallEndReason.BUSY: Outcome.BUSY,
    # The callee declined the call: like busy, worth another try later.
    CallEndReason.REJECTED: Outcome.BUSY,
    CallEndReason.NO_ANSWER: Outcome.NO_ANSWER,
}
_BROKEN = frozenset(
    {
        CallEndReason.ERROR,
        CallEndReason.WORKER_LOST,
        CallEndReason.NO_ACK,
        CallEndReason.MEDIA_TIMEOUT,
    }
)


def refusal_outcome(reason: str) -> Outcome:
    """The outcome of a call refused before it was placed (``CallRejected.reason``)."""
    return Outcome.REJECTED_BY_LIMIT if reason in LIMIT_REFUSALS else Outcome.FAILED


def call_outcome(call: Call) -> Outcome:
    reason = call.end_reason
    if reason in _NOT_ANSWERED:
        return _NOT_ANSWERED[CallEndReason(reason)]
    if reason == CallEndReason.REFUSED:
        return refusal_outcome(call.refusal_reason)
    if call.answered_by == AnsweredBy.MACHINE:
        return Outcome.VOICEMAIL
    if call.connected_at is None:
        # Never answered: the worker or the platform gave up on it.
        return Outcome.FAILED if reason in _BROKEN or not reason else Outcome.NO_ANSWER
    if reason in _BROKEN and call.active_at is None:
        return Outcome.FAILED
    return Outcome.PERSON
