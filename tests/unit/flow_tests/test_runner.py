"""Scenarios through the production engine: every expectation kind holds when the call does
what it says, and fails, with expected and observed, when it does not."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.flow_tests.desk import failures, run


def say(text: str, *expect: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "say", "text": text, "expect": list(expect)}


def scenario(*steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": "s1", "name": "Scenario", "steps": list(steps), **fields}


BILLING_ANSWERS = [{"text": "I can refund that double charge."}]


async def test_a_billing_call_passes_every_kind_of_expectation() -> None:
    result = await run(
        scenario(
            say(
                "I was charged twice",
                {
                    "kind": "visited",
                    "nodes": ["route", "vip", "mark", "billing"],
                    "mode": "exactly",
                },
                {"kind": "visited", "nodes": ["route", "billing"]},
                {"kind": "visited", "nodes": ["billing", "mark"], "mode": "includes"},
                {"kind": "not_visited", "nodes": ["to_human"]},
                {"kind": "branch", "node": "route", "output": "intent:billing"},
                {"kind": "branch", "node": "vip", "output": "else"},
                {"kind": "intent", "equals": "billing"},
                {"kind": "variable", "name": "topic", "equals": "billing"},
                {"kind": "variable", "name": "account", "is_set": False},
                {"kind": "said", "match": "contains", "text": "refund"},
                {"kind": "said", "match": "not_contains", "text": "goodbye"},
                {"kind": "said", "match": "regex", "text": r"double\s+charge"},
                {"kind": "said", "match": "mentions", "text": "refund the charge"},
                {"kind": "no_fallback"},
                {"kind": "latency", "max_ms": 5000},
            ),
            model_answers=BILLING_ANSWERS,
        )
    )
    assert failures(result) == []
    assert result.passed
    assert result.error is None
    assert result.greeting == "Welcome to the desk. How can I help?"
    assert result.steps[0].said == "I can refund that double charge."
    assert ("route", "intent:billing") in result.branches


@pytest.mark.parametrize(
    ("expectation", "expected", "observed"),
    [
        (
            {"kind": "visited", "nodes": ["route", "to_human"]},
            "in this order: route → to_human",
            "route → vip → mark → billing",
        ),
        (
            {"kind": "visited", "nodes": ["route", "billing"], "mode": "exactly"},
            "exactly route → billing",
            "route → vip → mark → billing",
        ),
        (
            {"kind": "visited", "nodes": ["billing", "clarify"], "mode": "includes"},
            "visits billing, clarify",
            "route → vip → mark → billing",
        ),
        (
            {"kind": "not_visited", "nodes": ["mark"]},
            "never visits mark",
            "route → vip → mark → billing",
        ),
        (
            {"kind": "branch", "node": "route", "output": "intent:human"},
            "route left by intent:human",
            "route left by intent:billing",
        ),
        (
            {"kind": "branch", "node": "ask_account", "output": "out"},
            "ask_account left by out",
            "ask_account was not left by any output",
        ),
        ({"kind": "intent", "equals": "human"}, "intent human", "intent billing"),
        ({"kind": "intent", "equals": ""}, "intent none", "intent billing"),
        (
            {"kind": "variable", "name": "topic", "equals": "sales"},
            "topic = 'sales'",
            "topic = 'billing'",
        ),
        ({"kind": "variable", "name": "account"}, "account is set", "account is not set"),
        (
            {"kind": "variable", "name": "topic", "is_set": False},
            "topic not set",
            "topic = 'billing'",
        ),
        (
            {"kind": "action", "action": "transfer"},
            "transfer",
            "no call action",
        ),
        (
            {"kind": "said", "match": "contains", "text": "goodbye"},
            "says 'goodbye'",
            "said: 'I can refund that double charge.'",
        ),
        (
            {"kind": "said", "match": "not_contains", "text": "refund"},
            "never says 'refund'",
            "said: 'I can refund that double charge.'",
        ),
        (
            {"kind": "said", "match": "regex", "text": r"^sorry"},
            "says something matching /^sorry/",
            "said: 'I can refund that double charge.'",
        ),
        (
            {"kind": "said", "match": "mentions", "text": "a voucher"},
            "mentions 'a voucher' (judged by its words: no language model)",
            "said: 'I can refund that double charge.'",
        ),
        (
            {"kind": "latency", "max_ms": 0.000001},
            "each turn within 1e-06 ms",
            None,
        ),
    ],
)
async def test_each_expectation_fails_with_expected_and_observed(
    expectation: dict[str, Any], expected: str, observed: str | None
) -> None:
    result = await run(
        scenario(say("I was charged twice", expectation), model_answers=BILLING_ANSWERS)
    )
    assert not result.passed
    [failure] = failures(result)
    assert failure["expected"] == expected
    if observed is None:
        assert failure["observed"].startswith("a turn took ")
    else:
        assert failure["observed"] == observed
    assert result.first_failure is not None
    assert result.first_failure["step"] == 1


async def test_call_variables_take_the_gold_branch_and_transfer_to_its_destination() -> None:
    result = await run(
        scenario(
            say("my bill is wrong", {"kind": "branch", "node": "vip", "output": "condition:gold"}),
            variables={"tier": "gold"},
            expect=[
                {"kind": "action", "action": "transfer", "destination": "+15550199"},
                {"kind": "said", "match": "contains", "text": "gold agent"},
            ],
        )
    )
    assert failures(result) == []


async def test_a_transfer_to_another_destination_fails() -> None:
    result = await run(
        scenario(
            say("a person please"),
            expect=[{"kind": "action", "action": "transfer", "destination": "+15550199"}],
        )
    )
    assert failures(result) == [
        {"kind": "action", "expected": "transfer to +15550199", "observed": "transfer to +15550100"}
    ]


async def test_digits_are_collected_on_the_next_turn() -> None:
    result = await run(
        scenario(
            say(
                "about my account",
                {"kind": "action", "action": "collect_digits"},
                {"kind": "said", "match": "contains", "text": "account number"},
            ),
            {
                "kind": "digits",
                "digits": "4321#",
                "expect": [
                    {"kind": "action", "action": "digits_collected", "digits": "4321"},
                    {"kind": "variable", "name": "account", "equals": "4321"},
                    {"kind": "said", "match": "contains", "text": "account 4321"},
                ],
            },
        )
    )
    assert failures(result) == []


async def test_wrong_digits_fail() -> None:
    result = await run(
        scenario(
            say("about my account"),
            {
                "kind": "digits",
                "digits": "99#",
                "expect": [{"kind": "action", "action": "digits_collected", "digits": "4321"}],
            },
        )
    )
    assert failures(result) == [
        {"kind": "action", "expected": "digits 4321 collected", "observed": "99 at ask_account"}
    ]


async def test_silence_while_waiting_for_digits_hangs_up() -> None:
    result = await run(
        scenario(
            say("about my account"),
            {
                "kind": "silence",
                "seconds": 10,
                "expect": [
                    {"kind": "branch", "node": "ask_account", "output": "no_input"},
                ],
            },
            expect=[{"kind": "action", "action": "hangup"}],
        )
    )
    assert failures(result) == []


async def test_hold_then_the_call_goes_on() -> None:
    result = await run(
        scenario(
            say("hold on a second", {"kind": "action", "action": "hold"}),
            expect=[{"kind": "said", "match": "contains", "text": "Thanks for holding"}],
        )
    )
    assert failures(result) == []


async def test_a_step_after_the_call_ended_fails() -> None:
    result = await run(scenario(say("an operator please"), say("hello?")))
    assert not result.passed
    assert result.steps[-1].failures[0].as_dict() == {
        "kind": "call",
        "expected": "the call still open at step 2",
        "observed": "it had ended",
    }


async def test_the_caller_hanging_up_ends_the_steps() -> None:
    result = await run(
        scenario(say("an operator please"), {"kind": "hangup"}),
    )
    assert result.passed
    assert [step.kind for step in result.steps] == ["say", "hangup"]


async def test_without_canned_answers_left_the_agent_fails_to_the_fallback_line() -> None:
    result = await run(
        scenario(say("I was charged twice", {"kind": "no_fallback"}), model_answers=[])
    )
    [failure] = failures(result)
    assert failure["kind"] == "no_fallback"
    assert "no canned model answer left" in failure["observed"]


async def test_without_any_model_the_agent_says_the_fallback_line() -> None:
    result = await run(scenario(say("I was charged twice", {"kind": "no_fallback"})))
    [failure] = failures(result)
    assert "No language model" in failure["observed"]


async def test_an_agent_tool_call_from_canned_answers_transfers() -> None:
    graph_doc = {
        "schema_version": 2,
        "nodes": [
            {
                "id": "start",
                "type": "start",
                "position": {"x": 0, "y": 0},
                "data": {"config": {"receiver": "phone_gateway", "greeting": "Hi."}},
            },
            {
                "id": "helper",
                "type": "agent",
                "position": {"x": 0, "y": 0},
                "data": {"config": {"mission": "Help.", "model": ""}},
            },
        ],
        "edges": [
            {
                "id": "e1",
                "source": "start",
                "sourceHandle": "out",
                "target": "helper",
                "targetHandle": "in",
            }
        ],
        "viewport": {"x": 0, "y": 0, "zoom": 1},
        "settings": {},
    }
    result = await run(
        scenario(
            say("put me through to sales"),
            model_answers=[
                {
                    "text": "Transferring you.",
                    "tool": "transfer_call",
                    "arguments": {"destination": "+15550123"},
                },
            ],
            expect=[{"kind": "action", "action": "transfer", "destination": "+15550123"}],
        ),
        graph_doc,
    )
    assert failures(result) == []
