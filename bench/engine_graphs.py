"""Graphs, fakes and timing shared by the engine benchmarks (not a benchmark itself).

Two shapes, at any size:
- ``chain``: every node is walked (router, set_variables, say, keyword classifier in turn,
  and an agent with an instant fake LLM every tenth node);
- ``fan``: a router picks one of ten branches, so a turn walks 5 nodes of a large graph.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

# The repository root, for the in-process fake LLM the tests use too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.engine import Channel, Conversation, EngineOptions, compile_graph
from pipelines.turn.providers import ProviderRegistry
from tests.fakes.llm import InstantLLM

USER_MESSAGE = "I have a question about my bill"
FAN_BRANCHES = 10


def _node(node_id: str, node_type: str, **config: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": node_type,
        "position": {"x": 0, "y": 0},
        "data": {"config": config},
    }


def _edge(source: str, handle: str, target: str) -> dict[str, Any]:
    return {
        "id": f"{source}-{handle}-{target}",
        "source": source,
        "sourceHandle": handle,
        "target": target,
        "targetHandle": "in",
    }


def step_node(index: int, node_id: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The node at position ``index`` of a chain, and its handles that lead on."""
    if index % 10 == 9:
        return _node(node_id, "agent", mission="You help callers.", model="instant"), ("out",)
    kind = index % 4
    if kind == 0:
        condition = {
            "name": "bill",
            "field": "exchange.user_message",
            "operator": "contains",
            "value": "bill",
        }
        return _node(node_id, "router", conditions=[condition]), ("condition:bill", "else")
    if kind == 1:
        assignment = {"variable": f"v{index}", "value": "step {{ exchange.intent }}"}
        return _node(node_id, "set_variables", assignments=[assignment]), ("out",)
    if kind == 2:
        return _node(node_id, "say", text="Noted: {{ exchange.user_message }}."), ("out",)
    intents = [
        {"name": "billing", "keywords": ["bill", "invoice"]},
        {"name": "other", "keywords": ["x"]},
    ]
    return _node(node_id, "classifier", intents=intents), (
        "intent:billing",
        "intent:other",
        "fallback",
    )


def _chain_of(
    prefix: str, count: int, first_index: int = 0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for offset in range(count):
        node_id = f"{prefix}{offset}"
        node, handles = step_node(first_index + offset, node_id)
        nodes.append(node)
        if offset + 1 < count:
            edges.extend(_edge(node_id, handle, f"{prefix}{offset + 1}") for handle in handles)
    return nodes, edges


def _document(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    start = _node("start", "start", receiver="browser_test", greeting="Hello.")
    return {
        "schema_version": 2,
        "nodes": [start, *nodes],
        "edges": edges,
        "viewport": {"x": 0, "y": 0, "zoom": 1},
        "settings": {"iteration_limit": 3, "turn_timeout_s": 60},
    }


def chain_document(size: int) -> dict[str, Any]:
    """``size`` nodes after Start, every one walked each turn."""
    nodes, edges = _chain_of("n", size)
    return _document(nodes, [_edge("start", "out", "n0"), *edges])


def fan_document(size: int) -> dict[str, Any]:
    """``size`` nodes; a turn walks 5: the router and a 4-node branch (the 6th of 10)."""
    conditions = [
        {"name": f"b{b}", "field": "exchange.user_message", "operator": "contains", "value": word}
        for b, word in enumerate(["zz0", "zz1", "zz2", "zz3", "zz4", "bill", "zz6", "zz7", "zz8"])
    ]
    nodes = [_node("route", "router", conditions=conditions)]
    edges = [_edge("start", "out", "route")]
    walked = 5  # the branch that "bill" selects
    others = size - 1 - 4
    handles = [f"condition:b{b}" for b in range(FAN_BRANCHES - 1)] + ["else"]
    for branch, handle in enumerate(handles):
        if branch == walked:
            length = 4
        else:
            length = others // (FAN_BRANCHES - 1) + (
                1 if branch < others % (FAN_BRANCHES - 1) else 0
            )
        branch_nodes, branch_edges = _chain_of(f"b{branch}_", max(1, length), first_index=1)
        nodes.extend(branch_nodes)
        edges.extend(branch_edges)
        edges.append(_edge("route", handle, f"b{branch}_0"))
    return _document(nodes, edges)


def engine_turn_runner(doc: dict[str, Any]) -> Callable[[], Awaitable[int]]:
    """A coroutine factory running one turn through the engine; returns the event count."""
    compiled = compile_graph(doc, options=EngineOptions(node_events=True))
    providers = ProviderRegistry(llms={"instant": InstantLLM("Sure, I can help.")})
    conversation = Conversation(compiled, channel=Channel("browser_test"), providers=providers)

    async def run() -> int:
        count = 0
        async for _event in conversation.run_turn(USER_MESSAGE):
            count += 1
        # Keep the history from growing over thousands of benchmark turns.
        conversation.history.clear()
        return count

    return run


async def time_turns(run: Callable[[], Awaitable[Any]], *, turns: int, warmup: int) -> list[float]:
    """Per-turn wall times in milliseconds."""
    wall, _cpu = await time_turns_with_cpu(run, turns=turns, warmup=warmup)
    return wall


async def time_turns_with_cpu(
    run: Callable[[], Awaitable[Any]], *, turns: int, warmup: int
) -> tuple[list[float], list[float]]:
    """Per-turn wall and CPU (this thread) times in milliseconds.

    On a shared machine the wall-clock tail is mostly other processes preempting this one;
    the thread's CPU time shows what the turn itself costs.
    """
    for _ in range(warmup):
        await run()
    wall: list[float] = []
    cpu: list[float] = []
    clock, cpu_clock = time.perf_counter, time.thread_time
    for _ in range(turns):
        began, began_cpu = clock(), cpu_clock()
        await run()
        cpu.append((cpu_clock() - began_cpu) * 1000)
        wall.append((clock() - began) * 1000)
    return wall, cpu


def summarize(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)

    def pick(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    return {
        "p50_ms": round(statistics.median(ordered), 4),
        "p99_ms": round(pick(0.99), 4),
        "mean_ms": round(statistics.fmean(ordered), 4),
        "turns": len(ordered),
    }


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(coro)  # type: ignore[arg-type]
