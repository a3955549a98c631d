"""The call's ``call_started`` event: the variables and SIP attributes it starts with, so
that 'turn this call into a scenario' replays it with the same facts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telephony.calls.facts import CALL_STARTED_EVENT, call_started_data

if TYPE_CHECKING:
    from telephony.worker.state import CallState


def record(state: CallState, attributes: dict[str, str]) -> None:
    from telephony.models import CallEventKind

    data = call_started_data(variables=state.plan.variables, attributes=attributes)
    state.recorder.event(CallEventKind.LIFECYCLE, CALL_STARTED_EVENT, data)
