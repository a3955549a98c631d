"""Time to run a 50-scenario suite on a 100-node pipeline, per scenario, against the raw
engine walking the same turns in the same run (the baseline).

Each scenario greets, then says two caller turns that walk all 100 nodes (router,
set_variables, say, keyword classifier, and an agent every tenth node with canned answers),
and checks six expectations per turn. The baseline walks the same turns with a
``Conversation`` directly and an instant fake model: the difference is what the suite
machinery (test session, events as the browser gets them, expectations) costs.
Ends by printing one JSON line of figures.

    uv run python bench/flow_suite.py
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine_graphs import USER_MESSAGE, chain_document

if TYPE_CHECKING:
    from pipelines.flow_tests.spec import Scenario

NODES = 100
SCENARIOS = 50
TURNS_PER_SCENARIO = 2
AGENTS_PER_TURN = NODES // 10
ROUNDS = 5


def _scenario(index: int) -> Scenario:
    from pipelines.flow_tests.spec import Scenario

    expect = [
        {"kind": "visited", "nodes": ["n0", "n50", "n99"]},
        {"kind": "branch", "node": "n0", "output": "condition:bill"},
        {"kind": "intent", "equals": "billing"},
        {"kind": "variable", "name": "v1", "is_set": True},
        {"kind": "said", "match": "contains", "text": "Noted"},
        {"kind": "no_fallback"},
    ]
    steps = [{"kind": "say", "text": USER_MESSAGE, "expect": expect}] * TURNS_PER_SCENARIO
    answers = [{"text": "Sure, I can help."}] * (AGENTS_PER_TURN * TURNS_PER_SCENARIO)
    return Scenario.model_validate(
        {"id": f"s{index}", "name": f"Scenario {index}", "steps": steps, "model_answers": answers}
    )


async def _suite_round(document: dict[str, Any], scenarios: list[Scenario]) -> float:
    from betool.models import Workspace
    from pipelines.engine import ProviderRegistry, compile_graph
    from pipelines.flow_tests.graph_facts import graph_facts
    from pipelines.flow_tests.runner import run_suite

    compiled = compile_graph(document)
    began = time.perf_counter()
    result = await run_suite(
        compiled=compiled,
        facts=graph_facts(document),
        scenarios=scenarios,
        workspace=Workspace(name="bench"),
        pipeline_id=0,
        version="draft",
        live_providers=ProviderRegistry,
    )
    elapsed = (time.perf_counter() - began) * 1000
    if not result.passed:
        failing = [s.as_dict()["first_failure"] for s in result.scenarios if not s.passed]
        sys.exit(f"the benchmark's suite must pass: {failing[:2]}")
    return elapsed / len(scenarios)


async def _baseline_round(document: dict[str, Any]) -> float:
    """The same greeting and turns, straight through the engine."""
    from pipelines.engine import Channel, Conversation, ProviderRegistry, compile_graph
    from tests.fakes.llm import InstantLLM

    compiled = compile_graph(document)
    began = time.perf_counter()
    for _ in range(SCENARIOS):
        providers = ProviderRegistry(llms={"instant": InstantLLM("Sure, I can help.")})
        talk = Conversation(compiled, channel=Channel("browser_test"), providers=providers)
        async for _event in talk.greet():
            pass
        for _turn in range(TURNS_PER_SCENARIO):
            async for _event in talk.run_turn(USER_MESSAGE):
                pass
    return (time.perf_counter() - began) * 1000 / SCENARIOS


async def main() -> None:
    document = chain_document(NODES)
    scenarios = [_scenario(i) for i in range(SCENARIOS)]
    await _suite_round(document, scenarios)  # warm-up
    await _baseline_round(document)
    suite_ms: list[float] = []
    baseline_ms: list[float] = []
    for _ in range(ROUNDS):  # interleaved, so that machine load hits both alike
        baseline_ms.append(await _baseline_round(document))
        suite_ms.append(await _suite_round(document, scenarios))
    suite = statistics.median(suite_ms)
    baseline = statistics.median(baseline_ms)
    figures = {
        "bench": "flow_suite",
        "nodes": NODES,
        "scenarios": SCENARIOS,
        "turns_per_scenario": TURNS_PER_SCENARIO,
        "suite_ms_per_scenario": round(suite, 3),
        "suite_s_total": round(suite * SCENARIOS / 1000, 3),
        "baseline_engine_ms_per_scenario": round(baseline, 3),
        "suite_vs_engine_ratio": round(suite / baseline, 2),
        "share_of_a_second_per_scenario": round(suite / 1000, 4),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betool.settings")
    import django

    django.setup()
    asyncio.run(main())
