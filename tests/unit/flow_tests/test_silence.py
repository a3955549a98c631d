"""Silence steps play the voice worker's waits on the scenario's clock: the Collect digits
node's wait for a key, then the number's silence timeout (re-prompt, then hang up)."""

from __future__ import annotations

from typing import Any

from pipelines.flow_tests.silence import ScenarioClock
from pipelines.no_input import SILENCE_GOODBYE_LINE, SILENCE_PROMPT_LINE
from tests.unit.flow_tests.desk import desk_graph, failures, run

GREETING_ONLY = desk_graph()


def silent(seconds: float, *expect: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "silence", "seconds": seconds, "expect": list(expect)}


def scenario(*steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": "quiet", "name": "A quiet caller", "steps": list(steps), **fields}


async def test_silence_shorter_than_the_timeout_does_nothing() -> None:
    clock = ScenarioClock()
    result = await run(
        scenario(silent(14, {"kind": "said", "match": "regex", "text": "^$"})), clock=clock
    )
    assert failures(result) == []
    assert result.steps[0].said == ""
    assert result.steps[0].nodes == []  # no turn of the graph: silence is not a message
    assert clock.now == 14


async def test_the_silence_timeout_reprompts_the_caller() -> None:
    clock = ScenarioClock()
    result = await run(
        scenario(silent(20, {"kind": "said", "text": SILENCE_PROMPT_LINE})), clock=clock
    )
    assert failures(result) == []
    assert result.steps[0].said == SILENCE_PROMPT_LINE
    assert clock.now == 20


async def test_two_timeouts_in_a_row_hang_up_and_end_the_call() -> None:
    result = await run(
        scenario(
            silent(16, {"kind": "said", "text": SILENCE_PROMPT_LINE}),
            silent(15, {"kind": "action", "action": "hangup"}),
            {"kind": "say", "text": "hello?"},
        )
    )
    said = [step.said for step in result.steps]
    assert said[:2] == [SILENCE_PROMPT_LINE, SILENCE_GOODBYE_LINE]
    assert [f.as_dict() for f in result.steps[1].failures] == []
    assert result.steps[2].failures[0].as_dict()["observed"] == "it had ended"


async def test_one_long_silence_prompts_then_hangs_up() -> None:
    result = await run(scenario(silent(31), expect=[{"kind": "action", "action": "hangup"}]))
    assert failures(result) == []
    assert result.steps[0].said == f"{SILENCE_PROMPT_LINE} {SILENCE_GOODBYE_LINE}"


async def test_the_caller_speaking_between_silences_starts_the_count_again() -> None:
    result = await run(
        scenario(
            silent(16),
            {"kind": "say", "text": "hold on"},
            silent(16, {"kind": "action", "action": "hangup"}),
        )
    )
    assert result.steps[2].said == SILENCE_PROMPT_LINE
    assert failures(result) == [
        {"kind": "action", "expected": "hangup", "observed": "no call action"}
    ]


async def test_the_scenario_timeout_is_the_numbers() -> None:
    result = await run(
        scenario(silent(6, {"kind": "said", "text": SILENCE_PROMPT_LINE}), silence_timeout_s=5)
    )
    assert failures(result) == []
    never = await run(scenario(silent(600, {"kind": "said", "text": "still"}), silence_timeout_s=0))
    assert never.steps[0].said == ""


async def test_silence_at_collect_digits_takes_no_input_after_the_nodes_wait() -> None:
    too_soon = await run(
        scenario(
            {"kind": "say", "text": "about my account"},
            silent(9, {"kind": "branch", "node": "ask_account", "output": "no_input"}),
        )
    )
    assert failures(too_soon) == [
        {
            "kind": "branch",
            "expected": "ask_account left by no_input",
            "observed": "ask_account was not left by any output",
        }
    ]
    result = await run(
        scenario(
            {"kind": "say", "text": "about my account"},
            silent(10, {"kind": "branch", "node": "ask_account", "output": "no_input"}),
            expect=[{"kind": "action", "action": "hangup"}],
        )
    )
    assert failures(result) == []
    assert result.steps[1].said == "No number given. Goodbye."
