"""What a call began with, kept for 'turn this call into a scenario': the variables the
conversation started with (an outbound call's placer gives them) and the caller's SIP
attributes (livekit-sip's ``sip.*``, headers included), so a replay runs with the same facts.

The worker records them as the call's ``call_started`` lifecycle event; nothing here
imports Django at module level (the worker's job processes start bare).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CALL_STARTED_EVENT = "call_started"
SIP_PREFIX = "sip."
_MAX_ATTRIBUTES = 64
_MAX_VALUE = 500

Scalar = str | int | float | bool | None


def sip_attributes(attributes: Mapping[str, str]) -> dict[str, str]:
    """The participant's SIP attributes (bounded: a carrier's headers are not ours to hoard)."""
    kept = sorted((k, v) for k, v in attributes.items() if k.startswith(SIP_PREFIX))
    return {key[:128]: str(value)[:_MAX_VALUE] for key, value in kept[:_MAX_ATTRIBUTES]}


def call_started_data(
    *, variables: Mapping[str, Any], attributes: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "variables": {k: v for k, v in variables.items() if isinstance(v, Scalar)},
        "attributes": sip_attributes(attributes),
    }


@dataclass(frozen=True)
class CallFacts:
    variables: dict[str, Scalar] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)


def call_facts(call: Any) -> CallFacts:
    """The facts the worker recorded when ``call`` started; empty for a call from before."""
    from telephony.models import CallEventKind

    event = call.events.filter(kind=CallEventKind.LIFECYCLE, name=CALL_STARTED_EVENT).first()
    data = event.data if event is not None and isinstance(event.data, dict) else {}
    variables = data.get("variables")
    attributes = data.get("attributes")
    return CallFacts(
        variables={str(k): v for k, v in (variables or {}).items() if isinstance(v, Scalar)}
        if isinstance(variables, dict)
        else {},
        attributes={str(k): str(v) for k, v in attributes.items()}
        if isinstance(attributes, dict)
        else {},
    )
