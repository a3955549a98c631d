"""A help-desk graph that exercises every node kind a suite expects things of."""

from __future__ import annotations

from typing import Any

from betool.models import Workspace
from pipelines.engine import ProviderRegistry, compile_graph
from pipelines.flow_tests.runner import ScenarioResult, run_scenario
from pipelines.flow_tests.silence import ScenarioClock
from pipelines.flow_tests.spec import Scenario
from tests.unit.pipelines.graphs import document, edge, node, start


def desk_graph() -> dict[str, Any]:
    intents = [
        {"name": "billing", "keywords": ["bill", "charged", "refund"]},
        {"name": "human", "keywords": ["person", "operator"]},
        {"name": "account", "keywords": ["account"]},
        {"name": "wait", "keywords": ["hold on"]},
    ]
    return document(
        [
            start(greeting="Welcome to the desk. How can I help?"),
            node("route", "classifier", mode="keywords", intents=intents),
            node(
                "vip",
                "router",
                conditions=[
                    {
                        "name": "gold",
                        "field": "variables.tier",
                        "operator": "equals",
                        "value": "gold",
                    },
                ],
            ),
            node("mark", "set_variables", assignments=[{"variable": "topic", "value": "billing"}]),
            node("billing", "agent", mission="Help with bills.", model=""),
            node("gold_desk", "transfer", destination="+15550199", message="A gold agent now."),
            node("to_human", "transfer", destination="+15550100", message="Connecting you."),
            node(
                "ask_account",
                "collect_digits",
                prompt="Type your account number.",
                variable="account",
            ),
            node("got_account", "say", text="Thanks, account {{ account }}."),
            node("no_account", "hangup", message="No number given. Goodbye."),
            node("hold", "hold", message="One moment.", seconds=1),
            node("back", "say", text="Thanks for holding."),
            node("clarify", "say", text="Billing or a person?"),
        ],
        [
            edge("start", "out", "route"),
            edge("route", "intent:billing", "vip"),
            edge("vip", "condition:gold", "gold_desk"),
            edge("vip", "else", "mark"),
            edge("mark", "out", "billing"),
            edge("route", "intent:human", "to_human"),
            edge("route", "intent:account", "ask_account"),
            edge("ask_account", "out", "got_account"),
            edge("ask_account", "no_input", "no_account"),
            edge("route", "intent:wait", "hold"),
            edge("hold", "out", "back"),
            edge("route", "fallback", "clarify"),
        ],
        input_variables=["tier"],
    )


async def run(
    scenario: dict[str, Any],
    graph: dict[str, Any] | None = None,
    *,
    clock: ScenarioClock | None = None,
) -> ScenarioResult:
    return await run_scenario(
        compiled=compile_graph(graph or desk_graph()),
        scenario=Scenario.model_validate(scenario),
        workspace=Workspace(name="unsaved"),
        pipeline_id=0,
        live_providers=ProviderRegistry,
        clock=clock,
    )


def failures(result: ScenarioResult) -> list[dict[str, str]]:
    found = [f.as_dict() for step in result.steps for f in step.failures]
    return found + [f.as_dict() for f in result.end_failures]
