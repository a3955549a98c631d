"""Small builders for graph documents in tests."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

from pipelines.engine import Channel, Conversation, compile_graph
from pipelines.turn.events import Event, TextEvent, TurnEndEvent
from pipelines.turn.providers import ProviderRegistry
from pipelines.turn.voice import VoiceActions

_edge_ids = itertools.count(1)


def node(node_id: str, node_type: str, **config: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": node_type,
        "position": {"x": 0, "y": 0},
        "data": {"label": node_id, "config": config},
    }


def start(receiver: str = "browser_test", greeting: str = "Hello.") -> dict[str, Any]:
    return node("start", "start", receiver=receiver, greeting=greeting)


def edge(source: str, handle: str | None, target: str) -> dict[str, Any]:
    return {
        "id": f"e{next(_edge_ids)}",
        "source": source,
        "sourceHandle": handle,
        "target": target,
        "targetHandle": "in",
    }


def chain(*node_ids: str) -> list[dict[str, Any]]:
    """``out`` edges along the given nodes."""
    return [edge(a, "out", b) for a, b in itertools.pairwise(node_ids)]


def document(
    nodes: list[dict[str, Any]], edges: list[dict[str, Any]], **settings: Any
) -> dict[str, Any]:
    return {
        "schema_version": 2,
        "nodes": nodes,
        "edges": edges,
        "viewport": {"x": 0, "y": 0, "zoom": 1},
        "settings": settings,
    }


def conversation(
    doc: dict[str, Any],
    *,
    providers: ProviderRegistry | None = None,
    voice: VoiceActions | None = None,
    variables: dict[str, Any] | None = None,
    source_type: str = "browser_test",
) -> Conversation:
    return Conversation(
        compile_graph(doc),
        channel=Channel(source_type, "+15550100"),  # type: ignore[arg-type]
        providers=providers,
        voice=voice,
        variables=variables,
    )


async def collect(events: AsyncIterator[Event]) -> list[Event]:
    return [event async for event in events]


def texts(events: list[Event]) -> list[str]:
    return [event.text for event in events if isinstance(event, TextEvent)]


def turn_end(events: list[Event]) -> TurnEndEvent:
    last = events[-1]
    assert isinstance(last, TurnEndEvent)
    assert sum(isinstance(event, TurnEndEvent) for event in events) == 1
    return last


def of_type(events: list[Event], event_type: str) -> list[Any]:
    return [event for event in events if event.type == event_type]
