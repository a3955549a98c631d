"""Per-turn engine overhead with an instant fake LLM, p50/p99, and LangGraph beside it.

(a) graphs of 10, 100 and 1000 nodes, walking every node (router, set_variables, say,
    keyword classifier, and an agent every tenth node), and walking 5 nodes of 100- and
    1000-node graphs; (b) the same graphs in LangGraph, same process, same node work.
Ends by printing one JSON line of figures.

    uv run python bench/engine_overhead.py
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_graphs import (
    chain_document,
    engine_turn_runner,
    fan_document,
    summarize,
    time_turns_with_cpu,
)
from engine_vs_langgraph import compare

# (name, document, turns)
CASES = [
    ("walk_all_10", chain_document(10), 3000),
    ("walk_all_100", chain_document(100), 2000),
    ("walk_all_1000", chain_document(1000), 200),
    ("walk_5_of_100", fan_document(100), 3000),
    ("walk_5_of_1000", fan_document(1000), 3000),
]
TARGET_P99_MS_FOR_100_NODES = 1.0


async def measure() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for name, doc, turns in CASES:
        wall, cpu = await time_turns_with_cpu(
            engine_turn_runner(doc), turns=turns, warmup=turns // 10
        )
        cpu_figures = summarize(cpu)
        figures[name] = summarize(wall) | {
            "cpu_p50_ms": cpu_figures["p50_ms"],
            "cpu_p99_ms": cpu_figures["p99_ms"],
        }
    return figures


def main() -> None:
    engine = asyncio.run(measure())
    side_by_side = asyncio.run(compare())
    p99_100 = engine["walk_all_100"]["p99_ms"]
    cpu_p99_100 = engine["walk_all_100"]["cpu_p99_ms"]
    print(
        json.dumps(
            {
                "benchmark": "engine_overhead",
                "engine": engine,
                "walk_all_100_p99_under_1ms": p99_100 < TARGET_P99_MS_FOR_100_NODES,
                "walk_all_100_cpu_p99_under_1ms": cpu_p99_100 < TARGET_P99_MS_FOR_100_NODES,
                "load_average_1min": round(os.getloadavg()[0], 2),
                "cpus": os.cpu_count(),
                "vs_langgraph": side_by_side,
                "min_langgraph_over_engine": min(
                    case["langgraph_over_engine_p50"] for case in side_by_side.values()
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
