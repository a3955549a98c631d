"""Validation refuses what would fail at run time: models, open choices, transfer numbers,
and tells each problem in the designer's words (titles and labels, never internal ids)."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.graph.validation import LanguageModels, Problem, validate_graph
from tests.unit.pipelines.graphs import chain, document, edge, node, start

NO_MODELS = LanguageModels(names=frozenset(), default=None)
LOCAL = LanguageModels(names=frozenset({"Local server", "qwen2.5"}), default="Local server")


def only(problems: list[Problem], code: str) -> list[Problem]:
    return [problem for problem in problems if problem.code == code]


def agent_doc(**config: Any) -> dict[str, Any]:
    settings = {"mission": "Help."} | config
    return document([start(), node("a", "agent", **settings)], chain("start", "a"))


def llm_classifier_doc(model: str) -> dict[str, Any]:
    classifier = node("c", "classifier", mode="llm", model=model, intents=[{"name": "billing"}])
    classifier["data"]["ends_turn"] = ["intent:billing", "fallback"]
    return document([start(), classifier], chain("start", "c"))


# --- language models --------------------------------------------------------------------


def test_an_agent_needs_a_language_model_when_the_workspace_has_none() -> None:
    problems = validate_graph(agent_doc(), language_models=NO_MODELS)
    (problem,) = only(problems, "needs_language_model")
    assert (problem.node_id, problem.field, problem.severity) == ("a", "model", "error")
    assert problem.message.startswith("Needs a language model")


@pytest.mark.parametrize("model", ["", "default", "Local server", "qwen2.5"])
def test_a_model_resolves_by_name_by_model_id_or_as_the_workspace_default(model: str) -> None:
    problems = validate_graph(agent_doc(model=model), language_models=LOCAL)
    assert [p for p in problems if p.severity == "error"] == []


def test_a_model_the_workspace_does_not_have_is_an_error_naming_it() -> None:
    problems = validate_graph(agent_doc(model="gpt-5"), language_models=LOCAL)
    (problem,) = only(problems, "unknown_model")
    assert problem.severity == "error"
    assert problem.field == "model"
    assert "'gpt-5'" in problem.message


def test_an_llm_classifier_needs_a_model_too() -> None:
    problems = validate_graph(llm_classifier_doc(""), language_models=NO_MODELS)
    assert [p.node_id for p in only(problems, "needs_language_model")] == ["c"]
    assert only(validate_graph(llm_classifier_doc("nope"), language_models=LOCAL), "unknown_model")
    assert validate_graph(llm_classifier_doc(""), language_models=LOCAL) == []


def test_a_keyword_classifier_needs_no_model() -> None:
    classifier = node("c", "classifier", intents=[{"name": "billing", "keywords": ["bill"]}])
    classifier["data"]["ends_turn"] = ["intent:billing", "fallback"]
    doc = document([start(), classifier], chain("start", "c"))
    assert validate_graph(doc, language_models=NO_MODELS) == []


def test_models_are_not_checked_without_the_workspace() -> None:
    assert only(validate_graph(agent_doc(model="gpt-5")), "unknown_model") == []


# --- outputs that lead nowhere ----------------------------------------------------------


def classifier_doc(*, ends_turn: list[str] | None = None) -> dict[str, Any]:
    classifier = node(
        "classifier_b3m7e5",
        "classifier",
        intents=[
            {"name": "billing", "keywords": ["bill"]},
            {"name": "sales", "keywords": ["buy"]},
        ],
    )
    classifier["data"]["label"] = "What they want"
    if ends_turn is not None:
        classifier["data"]["ends_turn"] = ends_turn
    return document(
        [start(), classifier, node("s", "say", text="Sales.")],
        [*chain("start", "classifier_b3m7e5"), edge("classifier_b3m7e5", "intent:sales", "s")],
    )


def test_a_classifier_output_that_leads_nowhere_is_an_error_in_plain_words() -> None:
    problems = only(validate_graph(classifier_doc()), "unconnected_output")
    assert [(p.handle, p.severity) for p in problems] == [
        ("intent:billing", "error"),
        ("fallback", "error"),
    ]
    billing, fallback = problems
    assert billing.message.startswith("The intent 'billing' leads nowhere")
    assert fallback.message.startswith("The output 'Fallback' leads nowhere")
    for problem in problems:
        assert "intent:" not in problem.message
        assert "classifier_b3m7e5" not in problem.message


def test_an_output_marked_to_end_the_turn_is_not_a_problem() -> None:
    problems = validate_graph(classifier_doc(ends_turn=["intent:billing", "fallback"]))
    assert only(problems, "unconnected_output") == []
    problems = validate_graph(classifier_doc(ends_turn=["fallback"]))
    assert [p.handle for p in only(problems, "unconnected_output")] == ["intent:billing"]


def test_the_http_error_output_left_open_stays_a_warning() -> None:
    http = node("h", "http_request", url="https://crm.example.com/x")
    doc = document(
        [start(), http, node("s", "say", text="Ok.")],
        [*chain("start", "h"), edge("h", "success", "s")],
    )
    problems = only(validate_graph(doc), "unconnected_output")
    assert [(p.handle, p.severity) for p in problems] == [("error", "warning")]


def test_messages_name_an_unlabelled_node_by_its_type_not_its_id() -> None:
    lost = node("say_q8x1", "say", text="?")
    lost["data"]["label"] = ""
    doc = document([start(), node("hi", "say", text="Hi."), lost], chain("start", "hi"))
    (problem,) = only(validate_graph(doc), "unreachable_node")
    assert problem.message.startswith("Say is never reached")
    assert "say_q8x1" not in problem.message


def test_pipeline_settings_problems_use_the_form_labels() -> None:
    doc = document([start()], [], iteration_limit=0)
    (problem,) = only(validate_graph(doc), "invalid_settings")
    assert problem.message.startswith("Pipeline settings, Visits of one node per turn:")
    assert problem.field == "iteration_limit"


# --- transfer destinations --------------------------------------------------------------


def transfer_doc(destination: str) -> dict[str, Any]:
    return document(
        [start(), node("t", "transfer", destination=destination)],
        chain("start", "t"),
        input_variables=["agent_number"],
    )


@pytest.mark.parametrize(
    "destination",
    [
        "+15551234567",
        "+442071838750",
        "sip:desk@pbx.example.com",
        "sips:200@10.0.0.5",
        "{{ variables.agent_number }}",
    ],
)
def test_transfer_to_an_e164_number_or_a_sip_address(destination: str) -> None:
    assert validate_graph(transfer_doc(destination)) == []


@pytest.mark.parametrize("destination", ["12ab", "5551234567", "+1 555", "call me", "+0123456789"])
def test_transfer_to_anything_else_is_refused_with_an_example(destination: str) -> None:
    (problem,) = only(validate_graph(transfer_doc(destination)), "invalid_config")
    assert problem.field == "destination"
    assert problem.message.startswith("Transfer to: use a number in international format")
    assert "+15551234567" in problem.message


def test_an_agents_transfer_destination_is_checked_too() -> None:
    (problem,) = only(validate_graph(agent_doc(transfer_destination="12ab")), "invalid_config")
    assert problem.field == "transfer_destination"
    assert validate_graph(agent_doc(transfer_destination="")) == []
