"""The record a turn leaves: nodes visited, their inputs, outputs, timings, tools and tokens.

Steps are plain slotted objects filled in place while the turn runs; dicts are only built when
someone asks (``as_dict``), off the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voice_models.llm.types import Usage


@dataclass(slots=True)
class TurnUsage:
    """LLM tokens by model name, of one turn or summed over a session (what metering bills).

    The one place tokens are added up: a session keeps one and ``absorb``s each turn's."""

    tokens: dict[str, Usage] = field(default_factory=dict)

    def add(self, model: str, usage: Usage) -> None:
        known = self.tokens.get(model)
        self.tokens[model] = usage if known is None else known + usage

    def absorb(self, other: TurnUsage) -> None:
        for model, usage in other.tokens.items():
            self.add(model, usage)

    @property
    def total(self) -> Usage:
        return sum(self.tokens.values(), Usage())

    def by_model(self) -> dict[str, dict[str, int]]:
        """``{model: {"input_tokens": n, "output_tokens": n}}``, as metering reads it."""
        return {
            model: {"input_tokens": u.input_tokens, "output_tokens": u.output_tokens}
            for model, u in self.tokens.items()
        }

    def as_dict(self) -> dict[str, Any]:
        return {"llm": self.by_model()}


@dataclass(slots=True)
class ToolRecord:
    name: str
    arguments: dict[str, Any]
    result: str


@dataclass(slots=True)
class NodeStep:
    node_id: str
    node_type: str
    ms: float = 0.0
    branch: str | None = None
    input: Any = None
    # What the node produced, JSON-ready: spoken text, chosen intent, values set...
    output: Any = ""
    tools: list[ToolRecord] | None = None
    usage: Usage | None = None
    error: str | None = None

    def record_tool(self, record: ToolRecord) -> None:
        if self.tools is None:
            self.tools = []
        self.tools.append(record)

    def add_usage(self, usage: Usage) -> None:
        self.usage = usage if self.usage is None else self.usage + usage

    def as_dict(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "node_id": self.node_id,
            "node_type": self.node_type,
            "ms": round(self.ms, 3),
            "branch": self.branch,
            "input": self.input,
            "output": self.output,
        }
        if self.tools:
            payload["tools"] = [
                {"name": t.name, "arguments": t.arguments, "result": t.result} for t in self.tools
            ]
        if self.usage is not None:
            payload["tokens"] = {
                "input_tokens": self.usage.input_tokens,
                "output_tokens": self.usage.output_tokens,
            }
        if self.error is not None:
            payload["error"] = self.error
        return payload


@dataclass(slots=True)
class TurnTrace:
    turn: int
    user_message: str
    digits: str | None
    steps: list[NodeStep] = field(default_factory=list)
    reason: str = "completed"
    detail: str = ""
    ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "user_message": self.user_message,
            "digits": self.digits,
            "nodes": [step.as_dict() for step in self.steps],
            "reason": self.reason,
            "detail": self.detail,
            "ms": round(self.ms, 3),
        }
