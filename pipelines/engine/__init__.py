"""The per-turn graph runtime: compile a document once, then run a Conversation per call.

``compile_graph``, ``Conversation`` and friends load lazily: node types import this package's
low-level modules (events, runtime), and the compiler imports the node types.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pipelines.engine.events import (
    ActionEvent,
    Event,
    NodeEnterEvent,
    NodeExitEvent,
    TextEvent,
    ToolEvent,
    TurnEndEvent,
    VariablesEvent,
)
from pipelines.engine.providers import ProviderRegistry
from pipelines.engine.trace import TurnTrace, TurnUsage
from pipelines.engine.voice import VoiceActions

if TYPE_CHECKING:
    from pipelines.engine.compiler import (
        CompiledGraph,
        EngineOptions,
        GraphInvalid,
        compile_graph,
    )
    from pipelines.engine.conversation import Channel, Conversation

_LAZY = {
    "CompiledGraph": "pipelines.engine.compiler",
    "EngineOptions": "pipelines.engine.compiler",
    "GraphInvalid": "pipelines.engine.compiler",
    "compile_graph": "pipelines.engine.compiler",
    "Channel": "pipelines.engine.conversation",
    "Conversation": "pipelines.engine.conversation",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "ActionEvent",
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
