"""The per-turn graph runtime: compile a document once, then run a Conversation per call.

The engine sits above the node types, which build on ``pipelines.turn`` (what a turn is made
of); the names of that package that callers of the engine use are re-exported here.
"""

from __future__ import annotations

from pipelines.engine.compiler import CompiledGraph, EngineOptions, GraphInvalid, compile_graph
from pipelines.engine.conversation import Channel, Conversation
from pipelines.turn.events import (
    ActionEvent,
    ActionParams,
    Event,
    NodeEnterEvent,
    NodeExitEvent,
    TextEvent,
    ToolEvent,
    TurnEndEvent,
    VariablesEvent,
)
from pipelines.turn.providers import ProviderRegistry
from pipelines.turn.trace import TurnTrace, TurnUsage
from pipelines.turn.voice import VoiceActions

__all__ = [
    "ActionEvent",
    "ActionParams",
    "Channel",
    "CompiledGraph",
    "Conversation",
    "EngineOptions",
    "Event",
    "GraphInvalid",
    "NodeEnterEvent",
    "NodeExitEvent",
    "ProviderRegistry",
    "TextEvent",
    "ToolEvent",
    "TurnEndEvent",
    "TurnTrace",
    "TurnUsage",
    "VariablesEvent",
    "VoiceActions",
    "compile_graph",
]
