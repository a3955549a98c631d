"""The sandboxed templating: rendering, conditions, variable discovery and refusals."""

from __future__ import annotations

import pytest

from pipelines.templating import (
    TemplateProblem,
    compile_template,
    evaluate,
    render,
    template_variables,
)

CONTEXT = {
    "exchange": {
        "user_message": "I want a refund",
        "intent": None,
        "channel": {"source_type": "x"},
    },
    "plan": "gold",
    "count": "3",
}


def test_renders_exchange_fields_and_variables() -> None:
    text = render("You said: {{ exchange.user_message }} ({{ plan }})", CONTEXT)
    assert text == "You said: I want a refund (gold)"


def test_none_and_missing_values_render_as_nothing() -> None:
    assert render("[{{ exchange.intent }}][{{ nothing.at.all }}]", CONTEXT) == "[][]"


def test_plain_text_is_static_and_returned_as_is() -> None:
    template = compile_template("Just words.")
    assert template.is_static
    assert template.render({}) == "Just words."


def test_templates_are_compiled_once() -> None:
    assert compile_template("{{ plan }}!") is compile_template("{{ plan }}!")


def test_conditions_evaluate_to_bools() -> None:
    assert evaluate("plan == 'gold' and count|int > 2", CONTEXT) is True
    assert evaluate("{{ exchange.intent == 'billing' }}", CONTEXT) is False


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__ }}",
        "{{ plan.__class__.__init__.__globals__ }}",
        "{{ plan['__class__'] }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ lipsum.__globals__ }}",
    ],
)
def test_python_internals_are_refused_with_a_clear_error(template: str) -> None:
    with pytest.raises(TemplateProblem, match="internal"):
        render(template, CONTEXT)
    with pytest.raises(TemplateProblem):
        template_variables(template)


def test_dynamic_attribute_lookup_is_refused_at_render_time() -> None:
    with pytest.raises(TemplateProblem, match="internal attributes are off limits"):
        render("{{ plan|attr('__class__') }}", CONTEXT)


def test_unsafe_condition_is_refused() -> None:
    with pytest.raises(TemplateProblem):
        evaluate("''.__class__.__mro__", CONTEXT)


@pytest.mark.parametrize(
    "template",
    ["{{ 'x' * 100000000 }}", "{{ 9 ** 999999 }}", "{% set l = [] %}{{ l.append(1) }}"],
)
def test_resource_and_mutation_tricks_are_refused(template: str) -> None:
    with pytest.raises(TemplateProblem):
        render(template, CONTEXT)


def test_syntax_errors_are_reported_with_their_line() -> None:
    with pytest.raises(TemplateProblem, match="line 2"):
        compile_template("Hello\n{{ name ")


def test_template_variables_lists_dotted_paths() -> None:
    found = template_variables(
        "{{ exchange.user_message }} {{ plan }} {% for turn in history %}{{ turn.text }}"
        "{% endfor %} {{ caller.number }}"
    )
    assert found == {"exchange.user_message", "plan", "history", "caller.number"}


def test_template_variables_of_an_expression() -> None:
    assert template_variables("exchange.intent == x", expression=True) == {"exchange.intent", "x"}
