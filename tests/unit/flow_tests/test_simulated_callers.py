"""Simulated callers: a language model (here a loopback OpenAI-compatible server, through the
real client) plays the caller; each run is checked, the pass rate decides; 'mentions' is
judged by the model when one is configured."""

from __future__ import annotations

from typing import Any

import pytest

from betool.models import Workspace
from pipelines.flow_tests.services import suite_run, suite_save
from pipelines.services import pipeline_create
from tests.fakes.llm_servers import FakeOpenAIServer, ScriptedReply
from tests.fakes.threaded import serve_in_thread
from voice_models.models import VoiceModel

pytestmark = pytest.mark.django_db


def _simulated(**caller: Any) -> dict[str, Any]:
    return {
        "id": "sim",
        "name": "A caller who means to come",
        "simulated": {
            "persona": "A busy patient who answers in few words",
            "goal": "Confirm tomorrow's appointment",
            "max_turns": 3,
            **caller,
        },
        "expect": [{"kind": "variable", "name": "outcome", "equals": "confirmed"}],
    }


def _run(workspace: Workspace, scenario: dict[str, Any], replies: list[ScriptedReply]) -> Any:
    pipeline = pipeline_create(
        workspace=workspace, user=None, name="Reminder", template="outbound_reminder"
    )
    suite_save(pipeline=pipeline, user=None, document={"scenarios": [scenario]})
    with serve_in_thread(lambda: FakeOpenAIServer(replies)) as server:
        VoiceModel.objects.create(
            workspace=workspace,
            name="Local",
            kind="llm",
            provider="openai_compatible",
            model="llama",
            base_url=f"{server.url}/v1",
            is_default=True,
        )
        run = suite_run(pipeline=pipeline, workspace=workspace, user=None)
        return run, server.requests


def test_each_run_is_checked_and_the_pass_rate_decides(workspace: Workspace) -> None:
    replies = [ScriptedReply(text=["Yes, I will be there."]), ScriptedReply(text=["No, I can't."])]
    run, requests = _run(workspace, _simulated(runs=2, min_pass_rate=0.5), replies)
    [scenario] = run.result["scenarios"]
    assert (scenario["runs"], scenario["runs_passed"], scenario["pass_rate"]) == (2, 1, 0.5)
    assert scenario["passed"] is True
    # The caller model was told who it is and heard the agent's greeting.
    first = requests[0]["messages"]
    assert "A busy patient" in first[0]["content"]
    assert "remind you of your appointment" in first[1]["content"]
    # The failing run is the one shown, with its transcript.
    assert scenario["end_failures"][0]["observed"] == "outcome = 'reschedule'"
    assert scenario["steps"][0]["caller"] == "No, I can't."


def test_a_pass_rate_below_the_minimum_fails(workspace: Workspace) -> None:
    replies = [ScriptedReply(text=["No."]), ScriptedReply(text=["Yes, see you."])]
    run, _ = _run(workspace, _simulated(runs=2, min_pass_rate=0.8), replies)
    assert run.passed is False
    assert run.result["scenarios"][0]["pass_rate"] == 0.5


def test_the_caller_ends_the_call_when_its_goal_is_met(workspace: Workspace) -> None:
    replies = [ScriptedReply(text=["[END]"])]
    run, requests = _run(workspace, _simulated(runs=1), replies)
    [scenario] = run.result["scenarios"]
    assert scenario["steps"] == []
    assert scenario["passed"] is False  # nothing was confirmed
    assert len(requests) == 1


def test_mentions_is_judged_by_the_configured_model(workspace: Workspace) -> None:
    scenario = {
        "id": "judged",
        "name": "Judged",
        "steps": [
            {
                "kind": "say",
                "text": "yes",
                "expect": [
                    {"kind": "said", "match": "mentions", "text": "the visit is tomorrow"},
                ],
            }
        ],
    }
    run, requests = _run(workspace, scenario, [ScriptedReply(text=["Yes"])])
    assert run.passed is True
    judge = requests[0]["messages"]
    assert "Topic: the visit is tomorrow" in judge[1]["content"]
    assert "see you tomorrow" in judge[1]["content"]


def test_without_a_model_a_simulated_caller_fails_with_the_reason(workspace: Workspace) -> None:
    pipeline = pipeline_create(
        workspace=workspace, user=None, name="Reminder", template="outbound_reminder"
    )
    suite_save(pipeline=pipeline, user=None, document={"scenarios": [_simulated()]})
    run = suite_run(pipeline=pipeline, workspace=workspace, user=None)
    assert run.result["scenarios"][0]["error"] == (
        "A simulated caller needs a language model: configure one."
    )
