"""What a turn hands on, in order: frozen dataclasses with ``type`` and ``as_dict()``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from pipelines.turn.trace import TurnTrace, TurnUsage

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


class ActionParams:
    """What one call-control action carries: each action's own frozen dataclass, declared
    next to the node type that emits it, read by field name by the sessions."""

    __slots__ = ()
    kind: ClassVar[ActionKind]

    def as_dict(self) -> dict[str, Any]:
        return {spec.name: getattr(self, spec.name) for spec in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class ActionEvent(_AsDict):
    """A call-control action for the session: hang up, transfer, hold, collect digits, barge-in."""

    type: ClassVar[str] = "action"
    params: ActionParams
    node_id: str

    @property
    def action(self) -> ActionKind:
        return self.params.kind

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "action": self.action,
            "params": self.params.as_dict(),
            "node_id": self.node_id,
        }


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
