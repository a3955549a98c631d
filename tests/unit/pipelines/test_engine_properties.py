"""Properties over generated graphs: compile either refuses or runs, and a turn never raises."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.engine import Channel, Conversation, GraphInvalid, compile_graph
from pipelines.turn.events import TurnEndEvent
from tests.unit.pipelines.test_validation import near_valid_documents

NODE_IDS = ["a", "b", "c", "d", "e"]
CONFIGS: dict[str, list[dict[str, Any]]] = {
    "say": [
        {"text": "Hi."},
        {"text": "You said {{ exchange.user_message }}. Ok."},
        {"text": "{{ 1/0 }}"},
    ],
    "router": [
        {
            "conditions": [
                {
                    "name": "x",
                    "field": "exchange.user_message",
                    "operator": "contains",
                    "value": "x",
                }
            ]
        },
        {"conditions": [{"name": "big", "expression": "exchange.user_message|length > 3"}]},
    ],
    "set_variables": [{"assignments": [{"variable": "v", "value": "{{ exchange.user_message }}"}]}],
    "classifier": [
        {"intents": [{"name": "x", "keywords": ["x"]}, {"name": "y", "keywords": ["y"]}]}
    ],
    "hold": [{}],
    "hangup": [{}],
    "collect_digits": [{"variable": "pin"}],
}
HANDLES = {
    "say": ["out"],
    "router": ["condition:x", "condition:big", "else"],
    "set_variables": ["out"],
    "classifier": ["intent:x", "intent:y", "fallback"],
    "hold": ["out"],
    "hangup": ["out"],  # has no outputs: an edge from it is a problem to refuse
    "collect_digits": ["out", "no_input"],
}


@st.composite
def runnable_documents(draw: st.DrawFn) -> dict[str, Any]:
    nodes = [{"id": "start", "type": "start", "data": {"config": {"receiver": "phone_gateway"}}}]
    for node_id in NODE_IDS[: draw(st.integers(1, len(NODE_IDS)))]:
        node_type = draw(st.sampled_from(sorted(CONFIGS)))
        nodes.append(
            {
                "id": node_id,
                "type": node_type,
                "data": {"config": draw(st.sampled_from(CONFIGS[node_type]))},
            }
        )
    ids = [n["id"] for n in nodes]
    edges = [{"id": "e0", "source": "start", "sourceHandle": "out", "target": ids[1]}]
    types = {n["id"]: n["type"] for n in nodes}
    used: set[tuple[str, str]] = set()
    for index in range(draw(st.integers(0, 10))):
        source = draw(st.sampled_from(ids[1:]))
        handle = draw(st.sampled_from(HANDLES[types[source]]))
        if (source, handle) in used:
            continue  # one connection per output, or the graph is refused for that alone
        used.add((source, handle))
        edges.append(
            {
                "id": f"e{index + 1}",
                "source": source,
                "sourceHandle": handle,
                "target": draw(st.sampled_from(ids[1:])),
            }
        )
    return {"schema_version": 2, "nodes": nodes, "edges": edges, "settings": {"turn_timeout_s": 2}}


async def _run_turns(doc: dict[str, Any], messages: list[str]) -> list[TurnEndEvent]:
    conversation = Conversation(compile_graph(doc), channel=Channel("phone_gateway", "+1555"))
    ends: list[TurnEndEvent] = []
    for message in messages:
        events = [event async for event in conversation.run_turn(message)]
        assert isinstance(events[-1], TurnEndEvent)
        ends.append(events[-1])
    return ends


def _compile_or_refuse(doc: Any) -> Any:
    try:
        return compile_graph(doc)
    except GraphInvalid as invalid:
        refusal = invalid
    assert any(p.severity == "error" for p in refusal.problems)
    return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    runnable_documents(),
    st.lists(st.sampled_from(["x", "y", "1234#", "hello there", ""]), min_size=1, max_size=3),
)
def test_any_compiled_graph_runs_every_turn_to_a_turn_end(
    doc: dict[str, Any], messages: list[str]
) -> None:
    if _compile_or_refuse(doc) is None:
        return
    for end in asyncio.run(_run_turns(doc, messages)):
        assert end.reason in ("completed", "iteration_limit", "node_error", "timeout")
        assert end.fallback == (end.reason != "completed")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_valid_documents())
def test_compile_either_refuses_or_compiles(doc: dict[str, Any]) -> None:
    _compile_or_refuse(doc)
