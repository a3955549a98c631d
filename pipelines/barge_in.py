"""Barge-in: how a caller may cut the agent off (voice, a key, both or neither) and how
readily a voice does it.

A phone number sets the call's policy; a speaking node (Start's greeting, Say, Agent) may
override either half for what it says. ``number`` in a node means "as the number says".
The voice worker maps the sensitivity to its voice-activity and interruption settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal, get_args

BargeInMode = Literal["none", "speech", "dtmf", "any"]
BargeInSensitivity = Literal["low", "medium", "high"]
NodeBargeInMode = Literal["number", "none", "speech", "dtmf", "any"]
NodeBargeInSensitivity = Literal["number", "low", "medium", "high"]

BARGE_IN_MODES: tuple[BargeInMode, ...] = get_args(BargeInMode)
BARGE_IN_SENSITIVITIES: tuple[BargeInSensitivity, ...] = get_args(BargeInSensitivity)
INHERIT = "number"
# The seeds' promise: callers can interrupt, on by default.
DEFAULT_MODE: BargeInMode = "any"
DEFAULT_SENSITIVITY: BargeInSensitivity = "medium"


@dataclass(frozen=True, slots=True)
class BargeInPolicy:
    mode: BargeInMode = DEFAULT_MODE
    sensitivity: BargeInSensitivity = DEFAULT_SENSITIVITY

    @property
    def speech_interrupts(self) -> bool:
        return self.mode in ("speech", "any")

    @property
    def keys_interrupt(self) -> bool:
        return self.mode in ("dtmf", "any")

    def overridden_by(self, override: NodeBargeIn | None) -> BargeInPolicy:
        if override is None:
            return self
        return replace(
            self,
            mode=override.mode if override.mode is not None else self.mode,
            sensitivity=override.sensitivity
            if override.sensitivity is not None
            else self.sensitivity,
        )


@dataclass(frozen=True, slots=True)
class NodeBargeIn:
    """A node's own choice; ``None`` keeps the number's."""

    mode: BargeInMode | None = None
    sensitivity: BargeInSensitivity | None = None


def _mode(value: object) -> BargeInMode | None:
    for mode in BARGE_IN_MODES:
        if value == mode:
            return mode
    return None


def _sensitivity(value: object) -> BargeInSensitivity | None:
    for sensitivity in BARGE_IN_SENSITIVITIES:
        if value == sensitivity:
            return sensitivity
    return None


def policy_from(*, mode: object, sensitivity: object) -> BargeInPolicy:
    """A number's stored choice; anything unknown is the default."""
    return BargeInPolicy(
        mode=_mode(mode) or DEFAULT_MODE,
        sensitivity=_sensitivity(sensitivity) or DEFAULT_SENSITIVITY,
    )


def node_overrides(graph: object) -> dict[str, NodeBargeIn]:
    """The nodes of a graph document that choose their own barge-in, by node id."""
    nodes = graph.get("nodes") if isinstance(graph, Mapping) else None
    found: dict[str, NodeBargeIn] = {}
    for node in nodes if isinstance(nodes, list) else ():
        if not isinstance(node, Mapping):
            continue
        data = node.get("data")
        config = data.get("config") if isinstance(data, Mapping) else None
        if not isinstance(config, Mapping):
            continue
        override = NodeBargeIn(
            mode=_mode(config.get("barge_in")),
            sensitivity=_sensitivity(config.get("barge_in_sensitivity")),
        )
        if override != NodeBargeIn():
            found[str(node.get("id"))] = override
    return found


def greeting_override(graph: object) -> NodeBargeIn | None:
    """The Start node's own choice, for the greeting (spoken before any node runs)."""
    nodes = graph.get("nodes") if isinstance(graph, Mapping) else None
    for node in nodes if isinstance(nodes, list) else ():
        if isinstance(node, Mapping) and node.get("type") == "start":
            return node_overrides({"nodes": [node]}).get(str(node.get("id")))
    return None
