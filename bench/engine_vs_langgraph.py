"""The engine beside LangGraph, same graphs, same node work, same process.

Each betool graph is translated into a LangGraph StateGraph whose nodes do the same work
with the same compiled templates and conditions (render, route, classify, call the instant
fake LLM), so the ratio compares the two runtimes' own overhead. LangGraph runs with
``ainvoke`` (its lightest path: no streaming of intermediate events), the engine streams
every event. Prints one JSON line.

    uv run python bench/engine_vs_langgraph.py
"""

from __future__ import annotations

import asyncio
import json
import operator
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_graphs import (
    USER_MESSAGE,
    InstantLLM,
    chain_document,
    engine_turn_runner,
    fan_document,
    summarize,
    time_turns,
)
from langgraph.graph import END, START, StateGraph

from pipelines.nodes import NODE_TYPES
from pipelines.nodes.classifier import _keyword_pattern
from pipelines.nodes.router import compile_route
from pipelines.templating import compile_template
from pipelines.turn.chunker import split_sentences
from voice_models.llm.types import ChatMessage


class TurnState(TypedDict):
    exchange: dict[str, Any]
    variables: dict[str, Any]
    texts: Annotated[list[str], operator.add]


def _scope(state: TurnState) -> dict[str, Any]:
    return {**state["variables"], "exchange": state["exchange"], "variables": state["variables"]}


def _node_function(
    node_type: str, config: Any
) -> tuple[Callable[..., Any], Callable[..., str] | None]:
    """(node function, router function or None) doing the betool node's work."""
    if node_type == "say":
        template = compile_template(config.text)
        return (lambda state: {"texts": split_sentences(template.render(_scope(state)))}), None
    if node_type == "set_variables":
        assignments = [(a.variable, compile_template(a.value)) for a in config.assignments]

        def set_variables(state: TurnState) -> dict[str, Any]:
            scope = _scope(state)
            values = {name: template.render(scope) for name, template in assignments}
            return {"variables": state["variables"] | values}

        return set_variables, None
    if node_type == "router":
        routes = [("condition:" + c.name, compile_route(c)) for c in config.conditions]

        def route(state: TurnState) -> str:
            scope = _scope(state)
            return next((handle for handle, test in routes if test(scope)), "else")

        return (lambda state: {}), route
    if node_type == "classifier":
        patterns = [(i.name, _keyword_pattern(i.keywords)) for i in config.intents]

        def classify(state: TurnState) -> dict[str, Any]:
            text = state["exchange"]["user_message"]
            intent = next((name for name, p in patterns if p.search(text)), None)
            return {"exchange": state["exchange"] | {"intent": intent}}

        def by_intent(state: TurnState) -> str:
            intent = state["exchange"]["intent"]
            return f"intent:{intent}" if intent else "fallback"

        return classify, by_intent
    if node_type == "agent":
        llm = InstantLLM("Sure, I can help.")
        mission = compile_template(config.mission)

        async def agent(state: TurnState) -> dict[str, Any]:
            messages = [
                ChatMessage("system", mission.render(_scope(state))),
                ChatMessage("user", state["exchange"]["user_message"]),
            ]
            text = "".join([delta.text async for delta in llm.stream(messages)])
            return {"texts": split_sentences(text)}

        return agent, None
    raise ValueError(node_type)


def langgraph_turn_runner(doc: dict[str, Any]) -> Callable[[], Any]:
    graph = StateGraph(TurnState)
    routes: dict[tuple[str, str], str] = {
        (e["source"], e["sourceHandle"]): e["target"] for e in doc["edges"]
    }
    runnable = [n for n in doc["nodes"] if n["type"] != "start"]
    for node in runnable:
        node_type = node["type"]
        config = NODE_TYPES[node_type].parse(node["data"]["config"])
        function, router = _node_function(node_type, config)
        graph.add_node(node["id"], function)
        handles = NODE_TYPES[node_type].outputs(config)
        if router is None:
            target = routes.get((node["id"], "out"))
            graph.add_edge(node["id"], target or END)
        else:
            path_map = {handle: routes.get((node["id"], handle)) or END for handle in handles}
            graph.add_conditional_edges(node["id"], router, path_map)  # type: ignore[arg-type]
    graph.add_edge(START, routes[("start", "out")])
    app = graph.compile()
    config = {"recursion_limit": len(runnable) + 10}
    channel = {"source_type": "browser_test"}

    async def run() -> int:
        state = {
            "exchange": {"user_message": USER_MESSAGE, "intent": None, "channel": channel},
            "variables": {},
            "texts": [],
        }
        result = await app.ainvoke(state, config=config)  # type: ignore[arg-type]
        return len(result["texts"])

    return run


# (shape, size, builder, engine turns, LangGraph turns)
CASES = [
    ("walk_all", 10, chain_document, 1000, 100),
    ("walk_all", 100, chain_document, 400, 40),
    ("walk_all", 1000, chain_document, 40, 8),
    ("walk_5", 100, fan_document, 1000, 100),
    ("walk_5", 1000, fan_document, 1000, 100),
]


async def _interleaved(
    engine: Callable[[], Any],
    langgraph: Callable[[], Any],
    *,
    engine_turns: int,
    langgraph_turns: int,
) -> tuple[list[float], list[float]]:
    """Alternate blocks of both runtimes, so both meet the same machine load."""
    engine_per_block = max(1, engine_turns // langgraph_turns)
    await time_turns(engine, turns=0, warmup=engine_per_block)
    await time_turns(langgraph, turns=0, warmup=2)
    engine_ms: list[float] = []
    langgraph_ms: list[float] = []
    for _ in range(langgraph_turns):
        langgraph_ms += await time_turns(langgraph, turns=1, warmup=0)
        engine_ms += await time_turns(engine, turns=engine_per_block, warmup=0)
    return engine_ms, langgraph_ms


async def compare() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for shape, size, build, engine_turns, langgraph_turns in CASES:
        doc = build(size)
        engine_ms, langgraph_ms = await _interleaved(
            engine_turn_runner(doc),
            langgraph_turn_runner(doc),
            engine_turns=engine_turns,
            langgraph_turns=langgraph_turns,
        )
        engine, langgraph = summarize(engine_ms), summarize(langgraph_ms)
        figures[f"{shape}_{size}"] = {
            "engine_p50_ms": engine["p50_ms"],
            "engine_p99_ms": engine["p99_ms"],
            "langgraph_p50_ms": langgraph["p50_ms"],
            "langgraph_p99_ms": langgraph["p99_ms"],
            "langgraph_over_engine_p50": round(langgraph["p50_ms"] / engine["p50_ms"], 1),
        }
    return figures


def main() -> None:
    figures = asyncio.run(compare())
    ratios = [case["langgraph_over_engine_p50"] for case in figures.values()]
    print(json.dumps({"benchmark": "engine_vs_langgraph", "min_ratio": min(ratios), **figures}))


if __name__ == "__main__":
    main()
