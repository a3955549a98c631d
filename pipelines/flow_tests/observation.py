"""What a scenario saw of the call, turn by turn, read from the test session's events
(the very payloads the editor's test panel shows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Observed:
    """One turn (or, merged, the whole call)."""

    said: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    branches: list[tuple[str, str]] = field(default_factory=list)
    intent: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    actions: list[dict[str, Any]] = field(default_factory=list)
    fallback: bool = False
    reasons: list[str] = field(default_factory=list)
    turn_ms: list[float] = field(default_factory=list)
    # By voice: from the end of the caller's speech to the agent's first audio, per turn.
    response_ms: list[float] = field(default_factory=list)
    ended: bool = False
    # The trace of each turn, as the test panel receives it (for the replay).
    traces: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.said)

    def add_event(self, event: Mapping[str, Any]) -> None:
        kind = event.get("type")
        if kind == "text":
            self.said.append(str(event["text"]))
        elif kind == "action":
            self.actions.append({"action": event["action"], **dict(event.get("params") or {})})
        elif kind == "variables":
            self.variables = dict(event["variables"])
        elif kind == "turn_end":
            trace = event["trace"]
            self.traces.append(trace)
            for step in trace.get("nodes", []):
                self.nodes.append(step["node_id"])
                if step.get("branch"):
                    self.branches.append((step["node_id"], step["branch"]))
                if step.get("node_type") == "classifier":
                    output = step.get("output")
                    self.intent = None if output in (None, "fallback") else str(output)
            self.fallback = self.fallback or bool(event.get("fallback"))
            self.reasons.append(str(event.get("reason")))
            self.turn_ms.append(float(trace.get("ms", 0.0)))
            self.variables = dict(event.get("variables") or self.variables)
            self.ended = bool(event.get("ended"))


def merged(turns: Sequence[Observed]) -> Observed:
    """The whole call: everything in turn order; intent, variables and the end as last seen."""
    call = Observed()
    for turn in turns:
        call.said.extend(turn.said)
        call.nodes.extend(turn.nodes)
        call.branches.extend(turn.branches)
        call.actions.extend(turn.actions)
        call.reasons.extend(turn.reasons)
        call.turn_ms.extend(turn.turn_ms)
        call.response_ms.extend(turn.response_ms)
        call.traces.extend(turn.traces)
        call.fallback = call.fallback or turn.fallback
        call.intent = turn.intent if turn.traces else call.intent
        call.variables = turn.variables or call.variables
        call.ended = turn.ended
    return call
