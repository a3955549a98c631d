"""The per-turn walk: branching, loops and their limit, errors, fallback, history, greeting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from pipelines.engine import EngineOptions, GraphInvalid, compile_graph
from pipelines.turn.events import Event, NodeEnterEvent, NodeExitEvent, VariablesEvent
from pipelines.turn.providers import ProviderRegistry
from pipelines.turn.runtime import NodeRuntime, TurnState
from tests.fakes.llm import Script, ScriptedLLM
from tests.unit.pipelines.graphs import (
    chain,
    collect,
    conversation,
    document,
    edge,
    node,
    of_type,
    start,
    texts,
    turn_end,
)
from voice_models.llm.types import LLMError

FALLBACK = "Sorry, I did not catch that. Could you say it again?"


def router(node_id: str, *conditions: dict[str, Any]) -> dict[str, Any]:
    return node(node_id, "router", conditions=list(conditions))


def when(
    name: str, field: str, operator: str = "equals", value: str = "", expression: str = ""
) -> dict[str, Any]:
    return {
        "name": name,
        "field": field,
        "operator": operator,
        "value": value,
        "expression": expression,
    }


async def test_greeting_renders_and_enters_history() -> None:
    doc = document([start(greeting="Hi {{ caller.number }}. How can I help?")], [])
    talk = conversation(doc)
    events = await collect(talk.greet())
    assert texts(events) == ["Hi +15550100.", "How can I help?"]
    assert turn_end(events).trace.turn == 0
    assert talk.history == [{"role": "agent", "text": "Hi +15550100. How can I help?"}]


async def test_turn_walks_from_start_and_emits_node_events_in_order() -> None:
    doc = document(
        [start(), node("a", "say", text="One."), node("b", "say", text="Two.")],
        chain("start", "a", "b"),
    )
    events = await collect(conversation(doc).run_turn("hi"))
    kinds = [(e.type, getattr(e, "node_id", None)) for e in events]
    assert kinds == [
        ("node_enter", "a"),
        ("text", "a"),
        ("node_exit", "a"),
        ("node_enter", "b"),
        ("text", "b"),
        ("node_exit", "b"),
        ("turn_end", None),
    ]
    end = turn_end(events)
    assert (end.reason, end.fallback) == ("completed", False)
    assert [step.node_id for step in end.trace.steps] == ["a", "b"]
    exits = of_type(events, "node_exit")
    assert all(isinstance(e, NodeExitEvent) and e.ms >= 0 for e in exits)


async def test_router_takes_the_first_matching_condition_else_else() -> None:
    nodes = [
        start(),
        router(
            "r",
            when("refund", "exchange.user_message", "contains", "refund"),
            when("any", "exchange.user_message", "is_not_empty"),
        ),
        node("refund", "say", text="Refunds."),
        node("any", "say", text="Anything."),
        node("else", "say", text="Silence."),
    ]
    edges = [
        *chain("start", "r"),
        edge("r", "condition:refund", "refund"),
        edge("r", "condition:any", "any"),
        edge("r", "else", "else"),
    ]
    talk = conversation(document(nodes, edges))
    assert texts(await collect(talk.run_turn("I want a REFUND"))) == ["Refunds."]
    assert texts(await collect(talk.run_turn("hello"))) == ["Anything."]
    assert texts(await collect(talk.run_turn(""))) == ["Silence."]


@pytest.mark.parametrize(
    ("operator", "value", "actual", "expected"),
    [
        ("equals", "Gold", "gold ", True),
        ("not_equals", "gold", "silver", True),
        ("starts_with", "+33", "+33612", True),
        ("ends_with", "12", "+33612", True),
        ("one_of", "gold, platinum", "Platinum", True),
        ("is_empty", "", "", True),
        ("greater_than", "2", "3", True),
        ("greater_than", "2", "abc", False),
        ("less_than", "2", "1.5", True),
        ("not_contains", "x", "abc", True),
    ],
)
async def test_router_operators(operator: str, value: str, actual: str, expected: bool) -> None:
    nodes = [
        start(),
        router("r", when("hit", "level", operator, value)),
        node("yes", "say", text="Yes."),
        node("no", "say", text="No."),
    ]
    edges = [*chain("start", "r"), edge("r", "condition:hit", "yes"), edge("r", "else", "no")]
    doc = document(nodes, edges, input_variables=["level"])
    talk = conversation(doc, variables={"level": actual})
    assert texts(await collect(talk.run_turn("x"))) == (["Yes."] if expected else ["No."])


async def test_router_advanced_expression() -> None:
    nodes = [
        start(),
        router(
            "r", when("big", "", expression="amount|int > 100 and caller.number.startswith('+1')")
        ),
        node("big", "say", text="Big."),
        node("small", "say", text="Small."),
    ]
    edges = [*chain("start", "r"), edge("r", "condition:big", "big"), edge("r", "else", "small")]
    doc = document(nodes, edges, input_variables=["amount"])
    assert texts(await collect(conversation(doc, variables={"amount": "150"}).run_turn("x"))) == [
        "Big."
    ]
    assert texts(await collect(conversation(doc, variables={"amount": "5"}).run_turn("x"))) == [
        "Small."
    ]


async def test_set_variables_then_template_uses_them_and_emits_the_full_map() -> None:
    nodes = [
        start(),
        node(
            "set",
            "set_variables",
            assignments=[
                {"variable": "name", "value": "{{ exchange.user_message|title }}"},
                {"variable": "greeting", "value": "Welcome"},
            ],
        ),
        node("say", "say", text="{{ greeting }}, {{ name }}!"),
    ]
    talk = conversation(document(nodes, chain("start", "set", "say")), variables={"tier": "gold"})
    events = await collect(talk.run_turn("ada lovelace"))
    assert texts(events) == ["Welcome, Ada Lovelace!"]
    (variables_event,) = of_type(events, "variables")
    assert isinstance(variables_event, VariablesEvent)
    assert variables_event.variables == {
        "tier": "gold",
        "name": "Ada Lovelace",
        "greeting": "Welcome",
    }
    assert talk.variables["name"] == "Ada Lovelace"


async def test_keyword_classifier_sets_intent_and_branches() -> None:
    nodes = [
        start(),
        node(
            "c",
            "classifier",
            intents=[
                {"name": "billing", "keywords": ["bill", "invoice", "pay online"]},
                {"name": "sales", "keywords": ["buy"]},
            ],
        ),
        node("b", "say", text="Billing ({{ exchange.intent }})."),
        node("s", "say", text="Sales."),
        node("f", "say", text="Which department?"),
    ]
    edges = [
        *chain("start", "c"),
        edge("c", "intent:billing", "b"),
        edge("c", "intent:sales", "s"),
        edge("c", "fallback", "f"),
    ]
    talk = conversation(document(nodes, edges))
    assert texts(await collect(talk.run_turn("Question about my INVOICE"))) == [
        "Billing (billing)."
    ]
    assert texts(await collect(talk.run_turn("can I pay  online?"))) == ["Billing (billing)."]
    assert texts(await collect(talk.run_turn("I'd like to buy"))) == ["Sales."]
    # whole words only: "buyer" is not "buy"
    assert texts(await collect(talk.run_turn("I am a buyer"))) == ["Which department?"]


async def test_llm_classifier_uses_the_tool_answer() -> None:
    llm = ScriptedLLM(
        Script(tool_calls=[("choose_intent", {"intent": "sales"})]),
        Script(text=["Billing"]),
        Script(text=["no idea"]),
    )
    nodes = [
        start(),
        node(
            "c",
            "classifier",
            mode="llm",
            model="fast",
            intents=[{"name": "Billing", "description": "money"}, {"name": "sales"}],
        ),
        node("b", "say", text="B."),
        node("s", "say", text="S."),
        node("f", "say", text="F."),
    ]
    edges = [
        *chain("start", "c"),
        edge("c", "intent:Billing", "b"),
        edge("c", "intent:sales", "s"),
        edge("c", "fallback", "f"),
    ]
    talk = conversation(document(nodes, edges), providers=ProviderRegistry(llms={"fast": llm}))
    events = await collect(talk.run_turn("I want to buy"))
    assert texts(events) == ["S."]
    assert turn_end(events).usage.tokens["fake-model"].input_tokens == 10
    assert "Billing: money" in llm.calls[0]["messages"][0].content
    assert texts(await collect(talk.run_turn("my bill"))) == ["B."]
    assert texts(await collect(talk.run_turn("hmm"))) == ["F."]


async def test_loop_stops_at_the_iteration_limit_with_fallback_and_reason() -> None:
    nodes = [
        start(),
        node("ask", "say", text="Again."),
        router("r", when("stop", "exchange.user_message", "equals", "never")),
        node("bye", "say", text="Bye."),
    ]
    edges = [
        *chain("start", "ask", "r"),
        edge("r", "else", "ask"),
        edge("r", "condition:stop", "bye"),
    ]
    events = await collect(conversation(document(nodes, edges)).run_turn("hello"))
    end = turn_end(events)
    assert texts(events) == [
        "Again.",
        "Again.",
        "Again.",
        "Sorry, I did not catch that.",
        "Could you say it again?",
    ]
    assert (end.reason, end.fallback) == ("iteration_limit", True)
    assert "3 visits" in end.trace.detail


async def test_iteration_limit_comes_from_settings_and_options() -> None:
    nodes = [
        start(),
        node("ask", "say", text="Again."),
        router("r", when("stop", "exchange.user_message", "equals", "never")),
    ]
    edges = [*chain("start", "ask", "r"), edge("r", "else", "ask")]
    doc = document(nodes, edges, iteration_limit=5, fallback_line="Let me start over.")
    events = await collect(conversation(doc).run_turn("x"))
    assert texts(events).count("Again.") == 5
    assert texts(events)[-1] == "Let me start over."
    compiled = compile_graph(doc, options=EngineOptions(iteration_limit=1))
    assert compiled.iteration_limit == 1


async def test_provider_error_gives_the_fallback_not_an_exception() -> None:
    llm = ScriptedLLM(Script(error=LLMError("slow down", kind="rate_limited", status=429)))
    nodes = [start(), node("a", "agent", mission="Help.", model="m")]
    talk = conversation(
        document(nodes, chain("start", "a")), providers=ProviderRegistry(llms={"m": llm})
    )
    events = await collect(talk.run_turn("hi"))
    end = turn_end(events)
    assert texts(events) == FALLBACK.replace(". ", ".|").split("|")
    assert (end.reason, end.fallback) == ("node_error", True)
    assert "rate_limited" in (end.trace.steps[-1].error or "")


async def test_missing_model_is_a_node_error() -> None:
    nodes = [start(), node("a", "agent", mission="Help.", model="nobody")]
    end = turn_end(await collect(conversation(document(nodes, chain("start", "a"))).run_turn("hi")))
    assert end.reason == "node_error"
    assert "nobody" in end.trace.detail


async def test_a_node_that_crashes_gives_the_fallback() -> None:
    nodes = [start(), node("a", "say", text="Before."), node("b", "say", text="{{ 1 / 0 }}")]
    events = await collect(conversation(document(nodes, chain("start", "a", "b"))).run_turn("hi"))
    end = turn_end(events)
    assert texts(events)[0] == "Before."
    assert texts(events)[1:] == ["Sorry, I did not catch that.", "Could you say it again?"]
    assert end.reason == "node_error"
    assert "ZeroDivisionError" in (end.trace.steps[-1].error or "")


async def test_turn_timeout_gives_the_fallback() -> None:
    llm = ScriptedLLM(Script(text=["Thinking", " very", " slowly."], delay_s=0.2))
    nodes = [start(), node("a", "agent", mission="Help.", model="m")]
    doc = document(nodes, chain("start", "a"), turn_timeout_s=0.3)
    events = await collect(
        conversation(doc, providers=ProviderRegistry(llms={"m": llm})).run_turn("hi")
    )
    end = turn_end(events)
    assert (end.reason, end.fallback) == ("timeout", True)
    assert texts(events)[-1] == "Could you say it again?"
    assert end.trace.ms < 1000


async def test_history_accumulates_across_turns_and_reaches_the_llm() -> None:
    llm = ScriptedLLM(Script(text=["First answer."]), Script(text=["Second answer."]))
    nodes = [
        start(greeting="Hello."),
        node("a", "agent", mission="You are {{ caller.number }}'s helper.", model="m"),
    ]
    talk = conversation(
        document(nodes, chain("start", "a")), providers=ProviderRegistry(llms={"m": llm})
    )
    await collect(talk.greet())
    await collect(talk.run_turn("one"))
    await collect(talk.run_turn("two"))
    assert talk.history == [
        {"role": "agent", "text": "Hello."},
        {"role": "caller", "text": "one"},
        {"role": "agent", "text": "First answer."},
        {"role": "caller", "text": "two"},
        {"role": "agent", "text": "Second answer."},
    ]
    second = llm.calls[1]["messages"]
    assert [(m.role, m.content) for m in second] == [
        ("system", "You are +15550100's helper."),
        ("assistant", "Hello."),
        ("user", "one"),
        ("assistant", "First answer."),
        ("user", "two"),
    ]


async def test_history_is_visible_to_templates() -> None:
    nodes = [start(), node("say", "say", text="Turns so far: {{ history|length }}.")]
    talk = conversation(document(nodes, chain("start", "say")))
    assert texts(await collect(talk.run_turn("a"))) == ["Turns so far: 0."]
    assert texts(await collect(talk.run_turn("b"))) == ["Turns so far: 2."]


async def test_interrupted_turn_keeps_what_was_handed_on() -> None:
    nodes = [
        start(),
        node("a", "say", text="First sentence. Second sentence."),
        node("b", "say", text="Third."),
    ]
    talk = conversation(document(nodes, chain("start", "a", "b")))
    stream = talk.run_turn("hi")
    async for event in stream:
        if event.type == "text":
            break
    await stream.aclose()  # barge-in: the session stops listening
    assert talk.history == [
        {"role": "caller", "text": "hi"},
        {"role": "agent", "text": "First sentence. Second sentence."},
    ]


async def test_node_events_can_be_switched_off() -> None:
    doc = document([start(), node("a", "say", text="One.")], chain("start", "a"))
    compiled = compile_graph(doc, options=EngineOptions(node_events=False))
    from pipelines.engine import Channel, Conversation

    events = await collect(Conversation(compiled, channel=Channel("browser_test")).run_turn("x"))
    assert [e.type for e in events] == ["text", "turn_end"]
    assert turn_end(events).trace.steps[0].node_id == "a"


def test_compile_refuses_an_invalid_graph_with_every_problem() -> None:
    with pytest.raises(GraphInvalid) as caught:
        compile_graph(document([node("x", "say")], []))
    assert [p.code for p in caught.value.problems] == ["missing_start"]


def test_compiled_graph_is_shared_and_not_mutated_by_turns() -> None:
    doc = document([start(), node("a", "say", text="One.")], chain("start", "a"))
    compiled = compile_graph(doc)
    before = dict(compiled.nodes)
    asyncio.run(collect(conversation(doc).run_turn("x")))
    assert compiled.nodes == before


async def test_events_serialise_to_json() -> None:
    import json

    doc = document(
        [
            start(),
            node("set", "set_variables", assignments=[{"variable": "v", "value": "1"}]),
            node("a", "say", text="One."),
        ],
        chain("start", "set", "a"),
    )
    events = await collect(conversation(doc).run_turn("x"))
    payloads = [json.loads(json.dumps(e.as_dict())) for e in events]
    assert payloads[-1]["type"] == "turn_end"
    assert payloads[-1]["trace"]["nodes"][0]["node_id"] == "set"
    assert {p["type"] for p in payloads} == {
        "node_enter",
        "node_exit",
        "variables",
        "text",
        "turn_end",
    }


async def test_unreachable_nodes_are_not_compiled() -> None:
    doc = document(
        [start(), node("a", "say", text="One."), node("lost", "say", text="Lost.")],
        chain("start", "a"),
    )
    assert set(compile_graph(doc).nodes) == {"a"}


class _Exploding(NodeRuntime):
    is_async = True

    async def stream(self, turn: TurnState) -> AsyncIterator[Event]:
        yield NodeEnterEvent("x", "x")
        raise RuntimeError("boom")


async def test_an_async_node_failing_midstream_gives_the_fallback() -> None:
    doc = document([start(), node("a", "say", text="One.")], chain("start", "a"))
    compiled = compile_graph(doc)
    compiled.nodes["a"].runtime = _Exploding("a")
    compiled.nodes["a"].is_async = True
    from pipelines.engine import Channel, Conversation

    events = await collect(Conversation(compiled, channel=Channel("browser_test")).run_turn("x"))
    assert turn_end(events).reason == "node_error"
    assert texts(events) == ["Sorry, I did not catch that.", "Could you say it again?"]


async def test_a_turn_left_open_is_recorded_before_the_next_one() -> None:
    nodes = [start(), node("a", "say", text="First. Second.")]
    talk = conversation(document(nodes, chain("start", "a")))
    abandoned = talk.run_turn("one")
    async for event in abandoned:
        if event.type == "text":
            break  # the session's task moved on without closing the iterator
    await collect(talk.run_turn("two"))
    await abandoned.aclose()  # finalised late: must not record it twice
    assert talk.history == [
        {"role": "caller", "text": "one"},
        {"role": "agent", "text": "First. Second."},
        {"role": "caller", "text": "two"},
        {"role": "agent", "text": "First. Second."},
    ]
