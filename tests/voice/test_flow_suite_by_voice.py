"""A flow test suite run by voice: each scenario is a test call the real worker answers, the
caller speaks espeak-ng lines, stays silent for real and hears the agent back (Whisper); the
expectations are the text run's, plus hearing what the agent said."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings

from pipelines.flow_tests.services import suite_run, suite_save
from pipelines.no_input import SILENCE_PROMPT_LINE
from telephony.models import Call, CallEndReason
from tests.voice import graphs, harness

pytestmark = pytest.mark.timeout(400)


def _say(text: str, *expect: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "say", "text": text, "expect": list(expect)}


SUITE = {
    "scenarios": [
        {
            "id": "expects-the-wrong-branch",
            "name": "Expects a transfer for a balance question",
            "steps": [
                _say(
                    graphs.ASK_BALANCE,
                    {"kind": "branch", "node": "classify", "output": "intent:agent"},
                ),
            ],
        },
        {
            "id": "balance-then-bye",
            "name": "Balance, a silence, goodbye",
            "caller_number": "+15557000001",
            "silence_timeout_s": 12,
            "steps": [
                _say(
                    graphs.ASK_BALANCE,
                    {"kind": "branch", "node": "classify", "output": "intent:balance"},
                    {"kind": "visited", "nodes": ["classify", "say_balance"], "mode": "exactly"},
                    {"kind": "said", "match": "contains", "text": "balance is positive"},
                    {"kind": "no_fallback"},
                ),
                # Longer than the silence timeout: the worker asks whether the caller is there.
                {
                    "kind": "silence",
                    "seconds": 15,
                    "expect": [{"kind": "said", "match": "contains", "text": SILENCE_PROMPT_LINE}],
                },
                _say(graphs.ASK_BYE, {"kind": "action", "action": "hangup"}),
            ],
            "expect": [
                {"kind": "visited", "nodes": ["say_balance", "hangup"]},
                {"kind": "action", "action": "hangup"},
            ],
        },
    ]
}


def _failures(result: dict[str, Any]) -> str:
    lines = []
    for scenario in result["scenarios"]:
        failures = [f for step in scenario["steps"] for f in step["failures"]]
        failures += scenario["end_failures"]
        steps = [(s["caller"], s["nodes"], s["said"], s["heard"]) for s in scenario["steps"]]
        lines.append(f"{scenario['scenario_id']}: failures {failures}; steps {steps}")
    return "\n".join(lines)


def test_a_suite_runs_by_voice_and_fails_for_the_right_reason(
    worker: tuple[str, harness.WorkerProcess], call_setup: Callable[..., Any]
) -> None:
    agent_name, process = worker
    number = call_setup()
    pipeline = number.pipeline
    suite_save(pipeline=pipeline, user=None, document=SUITE)
    with override_settings(LIVEKIT_AGENT_NAME=agent_name):
        run = suite_run(pipeline=pipeline, workspace=pipeline.workspace, user=None, mode="voice")
    result = run.result
    # What failed comes last: a CI log keeps the tail of a long message.
    shown = "\n".join([process.log(3000), json.dumps(result, indent=1)[:6000], _failures(result)])
    assert result["mode"] == "voice"
    failing, passing = result["scenarios"]
    assert passing["mode"] == "voice"
    assert passing["error"] is None, shown
    assert passing["passed"] is True, shown
    assert passing["greeting"] == graphs.GREETING
    balance, silence, bye = passing["steps"]
    assert harness.similarity(balance["heard"], graphs.BALANCE) >= 0.6, shown
    assert balance["response_ms"] > 0
    assert SILENCE_PROMPT_LINE in silence["said"]
    assert bye["nodes"] == ["classify", "hangup"]
    # The caller stayed on until the worker hung up, as the flow did.
    last_call = Call.objects.filter(pipeline=pipeline).order_by("pk").last()
    assert last_call is not None
    assert last_call.end_reason == CallEndReason.AGENT_HANGUP, shown

    assert failing["error"] is None, shown
    assert failing["passed"] is False
    assert failing["first_failure"] == {
        "step": 1,
        "kind": "branch",
        "expected": "classify left by intent:agent",
        "observed": "classify left by intent:balance",
    }, shown
    # The caller heard the balance line: the voice path worked, the flow is what differs.
    assert [f["kind"] for f in failing["steps"][0]["failures"]] == ["branch"], shown
    assert run.passed is False
