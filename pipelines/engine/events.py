"""What a turn hands on, in order: frozen dataclasses with ``type`` and ``as_dict()``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from pipelines.engine.trace import TurnTrace, TurnUsage

TurnEndReason = Literal["completed", "iteration_limit", "node_error", "timeout"]
ActionKind = Literal["hangup", "transfer", "hold", "collect_digits", "barge_in"]


class _AsDict:
    __slots__ = ()
    type: ClassVar[str]

    def as_dict(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"type": self.type}
        for spec in fields(self):  # type: ignore[arg-type]
            value = getattr(self, spec.name)
            payload[spec.name] = value.as_dict() if hasattr(value, "as_dict") else value
        return payload


@dataclass(frozen=True, slots=True)
class TextEvent(_AsDict):
    """Text to speak, cut at a sentence boundary."""

    type: ClassVar[str] = "text"
    text: str
    node_id: str
    interruptible: bool = True


@dataclass(frozen=True, slots=True)
class NodeEnterEvent(_AsDict):
    type: ClassVar[str] = "node_enter"
    node_id: str
    node_type: str


@dataclass(frozen=True, slots=True)
class NodeExitEvent(_AsDict):
    type: ClassVar[str] = "node_exit"
    node_id: str
    ms: float
    output: Any
    branch: str | None


@dataclass(frozen=True, slots=True)
class ToolEvent(_AsDict):
    """An LLM tool call and what it returned."""

    type: ClassVar[str] = "tool"
    node_id: str
    name: str
    arguments: Mapping[str, Any]
    result: str


@dataclass(frozen=True, slots=True)
class ActionEvent(_AsDict):
    """A call-control action for the session: hang up, transfer, hold, collect digits, barge-in."""

    type: ClassVar[str] = "action"
    action: ActionKind
    params: Mapping[str, Any]
    node_id: str


@dataclass(frozen=True, slots=True)
class VariablesEvent(_AsDict):
    """The full variable map after a change."""

    type: ClassVar[str] = "variables"
    variables: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TurnEndEvent(_AsDict):
    type: ClassVar[str] = "turn_end"
    trace: TurnTrace
    usage: TurnUsage
    reason: TurnEndReason
    fallback: bool


Event = (
    TextEvent
    | NodeEnterEvent
    | NodeExitEvent
    | ToolEvent
    | ActionEvent
    | VariablesEvent
    | TurnEndEvent
)
