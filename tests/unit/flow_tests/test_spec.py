"""Suite validation: what cannot be run is refused with where it is; what does not match
the graph is reported against the scenario and step."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.flow_tests.checks import suite_problems
from pipelines.flow_tests.graph_facts import graph_facts
from pipelines.flow_tests.spec import SuiteInvalid, suite_parse
from tests.unit.flow_tests.desk import desk_graph


def _suite(*scenarios: dict[str, Any]) -> dict[str, Any]:
    return {"scenarios": list(scenarios)}


def _scenario(**fields: Any) -> dict[str, Any]:
    return {"id": "s1", "name": "One", "steps": [{"kind": "say", "text": "hi"}]} | fields


def _messages(document: Any) -> list[str]:
    with pytest.raises(SuiteInvalid) as refused:
        suite_parse(document)
    return [problem["message"] for problem in refused.value.problems]


def test_a_well_formed_suite_reads_back_the_same() -> None:
    document = _suite(
        _scenario(
            expect=[{"kind": "said", "match": "regex", "text": "^hel+o"}],
            model_answers=[{"text": "Hello."}],
        )
    )
    suite = suite_parse(document)
    assert suite.model_dump(mode="json")["scenarios"][0]["expect"][0]["text"] == "^hel+o"
    assert suite.require_passing_to_publish is False


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        (_scenario(steps=[]), "needs at least one caller step"),
        (_scenario(steps=[{"kind": "say", "text": "  "}]), "needs the caller's words"),
        (_scenario(steps=[{"kind": "digits"}]), "needs the keys the caller presses"),
        (_scenario(steps=[{"kind": "digits", "digits": "12a"}]), "should match pattern"),
        (
            _scenario(steps=[{"kind": "hangup"}, {"kind": "say", "text": "hi"}]),
            "only the last step can",
        ),
        (
            _scenario(expect=[{"kind": "said", "match": "regex", "text": "(unclosed"}]),
            "is not a regular expression",
        ),
        (_scenario(expect=[{"kind": "teleported"}]), "does not match any of the expected tags"),
        (_scenario(expect=[{"kind": "latency", "max_ms": -1}]), "greater than 0"),
        (_scenario(id="has space"), "should match pattern"),
        (_scenario(surprise=True), "Extra inputs are not permitted"),
    ],
)
def test_a_suite_that_cannot_run_is_refused_with_the_reason(
    scenario: dict[str, Any], message: str
) -> None:
    messages = _messages(_suite(scenario))
    assert any(message in text for text in messages), messages


def test_problems_name_the_scenario_and_the_step() -> None:
    with pytest.raises(SuiteInvalid) as refused:
        suite_parse(_suite(_scenario(), _scenario(id="s2", steps=[{"kind": "say", "text": ""}])))
    [problem] = refused.value.problems
    assert (problem["scenario"], problem["step"]) == ("s2", 1)


def test_two_scenarios_with_one_id_are_refused() -> None:
    assert any(
        "two scenarios have the id 's1'" in m for m in _messages(_suite(_scenario(), _scenario()))
    )


def test_expectations_naming_what_the_graph_lacks_are_reported() -> None:
    suite = suite_parse(
        _suite(
            _scenario(
                steps=[
                    {
                        "kind": "say",
                        "text": "hi",
                        "expect": [
                            {"kind": "visited", "nodes": ["route", "nowhere"]},
                            {"kind": "branch", "node": "route", "output": "intent:sales"},
                        ],
                    }
                ],
                expect=[{"kind": "branch", "node": "ghost", "output": "out"}],
            )
        )
    )
    messages = [p["message"] for p in suite_problems(suite, graph_facts(desk_graph()))]
    assert messages == [
        "Scenario 's1', step 1: expects node 'nowhere', which the pipeline does not have",
        "Scenario 's1', step 1: node 'route' has no output 'intent:sales' (its outputs: "
        "intent:billing, intent:human, intent:account, intent:wait, fallback)",
        "Scenario 's1', the end: expects a branch of node 'ghost', which the pipeline does "
        "not have",
    ]
