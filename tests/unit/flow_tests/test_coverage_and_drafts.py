"""Coverage after a suite run, and scenarios drafted to reach a branch that none exercised."""

from __future__ import annotations

from typing import Any

import pytest

from betool.models import Workspace
from pipelines.engine import ProviderRegistry, compile_graph
from pipelines.flow_tests.drafts import scenario_for_branch
from pipelines.flow_tests.graph_facts import graph_facts
from pipelines.flow_tests.runner import run_suite
from pipelines.flow_tests.spec import Scenario
from pipelines.graph.templates import template_get
from tests.unit.flow_tests.desk import desk_graph, run


async def test_coverage_lists_the_outputs_no_scenario_took() -> None:
    graph = desk_graph()
    scenarios = [
        Scenario.model_validate(
            {"id": "human", "name": "Human", "steps": [{"kind": "say", "text": "operator"}]}
        ),
        Scenario.model_validate(
            {"id": "other", "name": "Other", "steps": [{"kind": "say", "text": "weather"}]}
        ),
    ]
    result = await run_suite(
        compiled=compile_graph(graph),
        facts=graph_facts(graph),
        scenarios=scenarios,
        workspace=Workspace(name="unsaved"),
        pipeline_id=0,
        version="draft",
        live_providers=ProviderRegistry,
    )
    coverage = result.as_dict()["coverage"]
    uncovered = {(u["node_id"], u["handle"]) for u in coverage["uncovered"]}
    assert ("route", "intent:human") not in uncovered
    assert ("route", "fallback") not in uncovered
    assert {("route", "intent:billing"), ("vip", "else"), ("ask_account", "no_input")} <= uncovered
    assert coverage["exercised"] == 2
    assert coverage["outputs"] == coverage["exercised"] + len(uncovered)
    edge_of = {(u["node_id"], u["handle"]): u["edge_id"] for u in coverage["uncovered"]}
    assert edge_of[("route", "intent:billing")] is not None


def _outputs(graph: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (ref.node_id, ref.handle) for ref in graph_facts(graph).outputs if ref.node_id != "start"
    ]


@pytest.mark.parametrize(
    ("node_id", "handle"),
    [
        ("route", "intent:billing"),
        ("route", "intent:human"),
        ("route", "fallback"),
        ("vip", "condition:gold"),
        ("vip", "else"),
        ("ask_account", "out"),
        ("ask_account", "no_input"),
        ("hold", "out"),
        ("mark", "out"),
    ],
)
async def test_a_drafted_scenario_reaches_its_branch(node_id: str, handle: str) -> None:
    drafted = scenario_for_branch(
        graph_facts(desk_graph()), node_id=node_id, handle=handle, scenario_id="draft"
    )
    assert drafted is not None
    scenario, notes = drafted
    assert notes == []
    result = await run(scenario)
    assert result.passed, result.as_dict()
    assert (node_id, handle) in result.branches


@pytest.mark.parametrize("key", ["front_desk", "appointment_booking", "outbound_reminder"])
async def test_every_deterministic_branch_of_the_templates_can_be_drafted(key: str) -> None:
    template = template_get(key)
    assert template is not None
    graph = template["graph"]
    for node_id, handle in _outputs(graph):
        drafted = scenario_for_branch(
            graph_facts(graph), node_id=node_id, handle=handle, scenario_id="draft"
        )
        assert drafted is not None, (node_id, handle)
        scenario, notes = drafted
        if notes:  # an HTTP call's outcome: the note says so
            assert any("HTTP" in note for note in notes)
            continue
        result = await run(scenario, graph)
        assert (node_id, handle) in result.branches, (node_id, handle, result.as_dict())


def test_an_output_no_path_reaches_gives_no_draft() -> None:
    graph = desk_graph()
    graph["edges"] = [e for e in graph["edges"] if e["target"] != "hold"]
    assert (
        scenario_for_branch(graph_facts(graph), node_id="hold", handle="out", scenario_id="x")
        is None
    )


def _desk_with_busy_line() -> dict[str, Any]:
    graph = desk_graph()
    graph["nodes"].append(
        {
            "id": "busy_line",
            "type": "say",
            "position": {"x": 0, "y": 0},
            "data": {"config": {"text": "The desk is busy; let me take a message."}},
        }
    )
    graph["edges"].append(
        {
            "id": "e-to_human-busy",
            "source": "to_human",
            "sourceHandle": "busy",
            "target": "busy_line",
            "targetHandle": "in",
        }
    )
    return graph


async def test_a_wired_transfer_outcome_is_a_branch_a_scenario_reaches() -> None:
    graph = _desk_with_busy_line()
    facts = graph_facts(graph)
    # Only the wired outcome is a branch: open ones just let the call go on.
    assert [h for h in facts.outputs_of("to_human")] == ["busy"]
    assert "busy" not in facts.outputs_of("gold_desk")

    drafted = scenario_for_branch(facts, node_id="to_human", handle="busy", scenario_id="d")
    assert drafted is not None
    scenario, notes = drafted
    assert notes == []
    assert scenario["steps"][-1]["kind"] == "transfer_outcome"
    assert scenario["steps"][-1]["outcome"] == "busy"
    result = await run(scenario, graph)
    assert result.passed, result.as_dict()
    assert ("to_human", "busy") in result.branches
    assert "let me take a message" in result.steps[-1].said


async def test_another_outcome_than_the_wired_one_does_not_take_it() -> None:
    scenario = {
        "id": "declined",
        "name": "Declined",
        "steps": [
            {"kind": "say", "text": "operator"},
            {
                "kind": "transfer_outcome",
                "outcome": "accepted",
                "expect": [{"kind": "branch", "node": "to_human", "output": "busy"}],
            },
        ],
    }
    result = await run(scenario, _desk_with_busy_line())
    assert not result.passed
    assert ("to_human", "busy") not in result.branches


def test_a_transfer_outcome_step_needs_its_outcome() -> None:
    with pytest.raises(ValueError, match="needs the outcome"):
        Scenario.model_validate({"id": "x", "name": "X", "steps": [{"kind": "transfer_outcome"}]})
