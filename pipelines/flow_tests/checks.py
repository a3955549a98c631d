"""The checks of a suite that need the graph: named nodes exist, named outputs exist.

Problems are reported, not refused, as for the graph: a designer may be halfway through
renaming a node; the runner reports the same mismatch as a failing expectation."""

from __future__ import annotations

from typing import Any

from pipelines.flow_tests.graph_facts import GraphFacts
from pipelines.flow_tests.spec import (
    BranchExpectation,
    Expectation,
    NotVisitedExpectation,
    Suite,
    VisitedExpectation,
)


def _expectation_problems(expectation: Expectation, facts: GraphFacts) -> list[str]:
    problems = []
    if isinstance(expectation, VisitedExpectation | NotVisitedExpectation):
        for node in expectation.nodes:
            if node not in facts.node_types:
                problems.append(f"expects node '{node}', which the pipeline does not have")
    elif isinstance(expectation, BranchExpectation):
        if expectation.node not in facts.node_types:
            problems.append(
                f"expects a branch of node '{expectation.node}', which the pipeline does not have"
            )
        elif expectation.output not in facts.outputs_of(expectation.node):
            outputs = ", ".join(facts.outputs_of(expectation.node)) or "none"
            problems.append(
                f"node '{expectation.node}' has no output '{expectation.output}' "
                f"(its outputs: {outputs})"
            )
    return problems


def suite_problems(suite: Suite, facts: GraphFacts) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def report(scenario: str, step: int | None, message: str) -> None:
        where = f"step {step}" if step is not None else "the end"
        found.append(
            {
                "scenario": scenario,
                "step": step,
                "field": None,
                "message": f"Scenario '{scenario}', {where}: {message}",
            }
        )

    for scenario in suite.scenarios:
        for index, step in enumerate(scenario.steps, start=1):
            for expectation in step.expect:
                for message in _expectation_problems(expectation, facts):
                    report(scenario.id, index, message)
        for expectation in scenario.expect:
            for message in _expectation_problems(expectation, facts):
                report(scenario.id, None, message)
    return found
