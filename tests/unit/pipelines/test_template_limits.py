"""Templates and conditions are bounded in CPU, memory and time: bombs fail cleanly."""

from __future__ import annotations

import asyncio
import itertools
import time
import tracemalloc
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines import template_limits as limits
from pipelines.graph.validation import analyze_graph
from pipelines.template_limits import deadline_scope
from pipelines.templating import TemplateProblem, evaluate, render, template_variables
from pipelines.turn.events import TurnEndEvent

from .graphs import chain, collect, conversation, document, edge, node, start, texts, turn_end

BOMBS = {
    "power tower": "{{ (((10**64)**64)**64)**64 > 1 }}",
    "center": "{{ 'x'|center(10**9) }}",
    "center from a variable": "{{ 'x'|center(width) }}",
    "format filter width": "{{ '%030000000d'|format(1) }}",
    "percent width": "{{ '%030000000d' % 1 }}",
    "percent star width": "{{ '%*d' % (width, 1) }}",
    "str.format width": "{{ '{:>1000000000}'.format(1) }}",
    "method center": "{{ 'x'.center(width) }}",
    "method ljust": "{{ 'x'.ljust(width) }}",
    "nested replace": "{{ ('a' * 100)|replace('a', 'aaaaaaaaaa')|replace('a', 'aaaaaaaaaa')"
    "|replace('a', 'aaaaaaaaaa')|replace('a', 'aaaaaaaaaa') }}",
    "method replace": "{{ ('a' * 1000).replace('a', 'a' * 1000) }}",
    "repetition": "{{ 'ab' * 10**8 }}",
    "list repetition": "{{ ['x' * 1000] * 1000 }}",
    "namespace doubling with ~": "{% set ns = namespace(x='a') %}{% for i in range(40) %}"
    "{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x|length }}",
    "namespace doubling with +": "{% set ns = namespace(x=['a']) %}{% for i in range(40) %}"
    "{% set ns.x = ns.x + ns.x %}{% endfor %}{{ ns.x|length }}",
    "join of a repeated text": "{{ (range(1000)|map('string')|list|join('x' * 1000)) }}",
    "indent": "{{ ('a\n' * 40000)|indent(60) }}",
    "batch fill": "{{ range(3)|batch(10**9, 'x')|list }}",
    "slice count": "{{ range(3)|slice(10**9)|list }}",
    "tojson indent": "{{ [1]|tojson(indent=10**9) }}",
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
    "{% endfor %}",
    "exponential macro": "{% macro f(n) %}{% if n > 0 %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}"
    "{% endmacro %}{{ f(60) }}",
    "output doubling in a block": "{% set ns = namespace(x='ab') %}{% for i in range(60) %}"
    "{% set ns.x %}{{ ns.x }}{{ ns.x }}{% endset %}{% endfor %}",
    "loop output": "{% for i in range(100000) %}" + "x" * 1000 + "{% endfor %}",
    "translate": "{{ ('a' * 1000).translate({97: 'b' * 1000}) }}",
    "lipsum": "{{ lipsum(10**6) }}",
    "caller digits power": "{{ exchange.digits|int ** 100000 }}",
    "deep nesting": "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
    "slow filter in a loop": "{% for i in range(100000) %}{% if big|sum > 0 %}{% endif %}"
    "{% endfor %}",
}

CONTEXT: dict[str, Any] = {
    "width": 10**9,
    "exchange": {"digits": "9" * 50, "user_message": "hello"},
    "big": list(range(100_000)),
}


@pytest.mark.parametrize("source", BOMBS.values(), ids=BOMBS.keys())
def test_a_bomb_is_refused_cleanly_within_its_budget(source: str) -> None:
    tracemalloc.start()
    began = time.monotonic()
    try:
        with deadline_scope(time.monotonic() + 1.0), pytest.raises(TemplateProblem) as refused:
            render(source, CONTEXT)
        elapsed = time.monotonic() - began
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(refused.value)
    # Generous ceilings (tracemalloc slows rendering): what matters is no runaway.
    assert elapsed < 5.0
    assert peak < 64 * 2**20


def test_the_refusal_names_the_limit() -> None:
    with pytest.raises(TemplateProblem, match="4096 bits"):
        render("{{ x ** 99999 }}", {"x": 10})
    with pytest.raises(TemplateProblem, match="100,000 characters"):
        render("{{ 'x'|center(n) }}", {"n": 10**9})
    with deadline_scope(time.monotonic() + 0.2), pytest.raises(TemplateProblem, match="time"):
        render(BOMBS["slow filter in a loop"], CONTEXT)


def test_a_condition_raising_the_callers_digits_is_refused() -> None:
    scope = {"exchange": {"digits": "123456789"}}
    assert evaluate("exchange.digits|int ** 2 > 5", scope)
    with pytest.raises(TemplateProblem, match="too large"):
        evaluate("(exchange.digits|int ** 64) ** 64 > 1", scope)


def test_ordinary_templates_still_work() -> None:
    scope = {"name": "Ada", "items": [1, 2, 3], "plan": "gold"}
    assert render("{{ 'Hi ' ~ name|upper }}, {{ items|join(', ') }}", scope) == "Hi ADA, 1, 2, 3"
    assert render("{{ '%05d'|format(42) }} {{ '{:>4}'.format(7) }}", scope) == "00042    7"
    assert render("{% for i in items %}{{ loop.index }}/{{ loop.length }} {% endfor %}", scope)
    assert render("{{ 2 ** 10 }} {{ 'ab' * 3 }} {{ plan.title() }}", scope) == "1024 ababab Gold"
    assert render("{% filter upper %}x{{ name }}{% endfilter %}", scope) == "XADA"


def test_an_output_over_the_limit_is_refused_even_for_plain_substitutions() -> None:
    with pytest.raises(TemplateProblem, match="too long a text"):
        render("Hello {{ name }}", {"name": "x" * (limits.MAX_OUTPUT_CHARS + 1)})


def test_validation_refuses_what_it_can_see_statically() -> None:
    for source in ("{{ 'x'|center(10**9) }}", "{{ 10 ** 100000 }}", "{{ 'x' * 10**9 }}"):
        with pytest.raises(TemplateProblem):
            template_variables(source)
    doc = document(
        [start(), node("say", "say", text="{{ 'x'|center(1000000000) }}")], chain("start", "say")
    )
    problems = [p for p in analyze_graph(doc).problems if p.code == "invalid_template"]
    assert problems
    assert problems[0].node_id == "say"
    assert "too big" in problems[0].message


# -- property-based: any template from the grammar renders within budget or fails cleanly --

_LEAVES = st.sampled_from(
    [
        "1",
        "7",
        "64",
        "10**9",
        "width",
        "'ab'",
        "'x' * 1000",
        "exchange.digits",
        "exchange.digits|int",
        "big",
        "range(1000)",
        "[1, 2, 3]",
    ]
)
_BINARY = st.sampled_from(["+", "-", "*", "**", "%", "~", "//"])
_FILTERS = st.sampled_from(
    [
        "center({})",
        "replace('a', {})",
        "replace('a', 'aaaaaaaaaa')",
        "format({})",
        "join({})",
        "indent({})",
        "batch({})",
        "slice({})",
        "truncate({})",
        "string",
        "list",
        "length",
        "sum",
        "int",
        "upper",
        "tojson",
        "wordwrap({})",
        "sort",
        "unique",
    ]
)
_METHODS = st.sampled_from(["center({})", "zfill({})", "replace('a', {})", "join({})", "split()"])


def _expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, _BINARY, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, _FILTERS, inner).map(lambda t: f"({t[0]})|" + t[1].format(t[2])),
            st.tuples(inner, _METHODS, inner).map(
                lambda t: f"({t[0]}|string)." + t[1].format(t[2])
            ),
        )

    return st.recursive(_LEAVES, extend, max_leaves=6)


def _templates() -> st.SearchStrategy[str]:
    expression = _expressions()
    return st.one_of(
        expression.map(lambda e: "{{ " + e + " }}"),
        st.tuples(expression, expression).map(
            lambda t: (
                "{% set ns = namespace(v=" + t[0] + ") %}{% for i in range(50) %}"
                "{% set ns.v = ns.v ~ " + t[1] + " %}{% endfor %}{{ ns.v }}"
            )
        ),
        st.tuples(expression, expression).map(
            lambda t: (
                "{% for i in " + t[0] + " %}{% for j in " + t[0] + " %}{{ " + t[1] + " }}"
                "{% endfor %}{% endfor %}"
            )
        ),
    )


_BUDGET_S = 0.3


def _bounded(call: Any) -> None:
    tracemalloc.start()
    began = time.monotonic()
    try:
        with deadline_scope(began + _BUDGET_S):
            try:
                result = call()
            except TemplateProblem:
                result = None
            except (ArithmeticError, TypeError, ValueError, LookupError):
                result = None  # a plain error of the template: the node fails cleanly
        elapsed = time.monotonic() - began
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if isinstance(result, str):
        assert len(result) <= limits.MAX_OUTPUT_CHARS
    # The budget plus one bounded step (slowed by tracemalloc and a loaded machine), then the
    # clean failure: a render that ignored its deadline would run for the bomb's whole cost.
    assert elapsed < _BUDGET_S + 10.0
    assert peak < 64 * 2**20


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_templates())
def test_generated_templates_render_within_budget_or_fail_cleanly(source: str) -> None:
    _bounded(lambda: render(source, CONTEXT))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions(), _expressions())
def test_generated_conditions_evaluate_within_budget_or_fail_cleanly(left: str, right: str) -> None:
    _bounded(lambda: evaluate(f"{left} > {right}", CONTEXT))


# -- in the engine ----------------------------------------------------------------------------


def _bomb_pipeline(text: str, **settings: Any) -> dict[str, Any]:
    return document(
        [start(greeting=""), node("say", "say", text=text), node("after", "say", text="Done.")],
        [*chain("start", "say"), edge("say", "out", "after")],
        **settings,
    )


async def test_a_node_over_its_budget_gives_the_fallback_line_and_says_which_limit() -> None:
    bomb = "{% for i in range(exchange.user_message|int) %}{{ 'x' * 1000 }}{% endfor %}"
    talk = conversation(_bomb_pipeline(bomb))
    events = await collect(talk.run_turn("100000"))
    end = turn_end(events)
    assert isinstance(end, TurnEndEvent)
    assert end.reason == "node_error"
    assert end.fallback
    assert "Done." not in texts(events)
    assert "too much work" in (end.trace.detail or "")
    assert "too much work" in (end.trace.steps[-1].error or "")


async def test_a_slow_template_runs_off_the_event_loop_and_stops_at_the_turn_timeout() -> None:
    slow = "{% for i in range(100000) %}{% if range(100000)|sum > 0 %}{% endif %}{% endfor %}"
    talk = conversation(_bomb_pipeline(slow, turn_timeout_s=3.0))
    ticks: list[float] = []
    done = asyncio.Event()

    async def heartbeat() -> None:
        while not done.is_set():
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    beat = asyncio.create_task(heartbeat())
    began = time.monotonic()
    events = await collect(talk.run_turn("hi"))
    done.set()
    await beat
    end = turn_end(events)
    assert end.reason == "node_error"
    assert "time limit" in (end.trace.detail or "")
    assert time.monotonic() - began >= 2.0  # it really ran for its budget...
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    # ...while the event loop kept turning: on the loop, the render would be one gap of its
    # whole budget; half of it leaves room for a loaded machine's scheduling.
    assert max(gaps) < 1.5
