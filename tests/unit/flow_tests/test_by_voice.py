"""Runs by voice: the API and the CLI ask for them, the registered player gets the scripted
scenarios (simulated callers stay in text), what the worker recorded reads as a text run's
observation, and without LiveKit the designer is told why, with nothing lost."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from betool.models import Workspace
from betool.roles import Role
from pipelines.flow_tests.by_voice import register_voice_player, voice_player
from pipelines.flow_tests.expectations import MentionJudge
from pipelines.flow_tests.runner import ScenarioResult, StepResult
from pipelines.flow_tests.services import suite_run, suite_save
from pipelines.flow_tests.spec import Scenario
from pipelines.models import Pipeline
from pipelines.no_input import SILENCE_GOODBYE_LINE, SILENCE_PROMPT_LINE
from pipelines.services import pipeline_create
from telephony.test_calls.flow_voice import _Records, dispatch_metadata, observed
from tests.unit.flow_tests.desk import desk_graph

pytestmark = pytest.mark.django_db
JSON = "application/json"
SUITE = {
    "scenarios": [
        {"id": "refund", "name": "Refund", "steps": [{"kind": "say", "text": "charged twice"}]},
        {
            "id": "sim",
            "name": "Simulated",
            "simulated": {"persona": "impatient", "goal": "a refund"},
        },
    ]
}


class FakePlayer:
    """Stands in for LiveKit and the worker: says which scenarios it was asked to play."""

    def __init__(self) -> None:
        self.played: list[tuple[str, int | None]] = []

    def unavailable(self) -> str | None:
        return None

    async def play(
        self,
        *,
        workspace: Workspace,
        pipeline_id: int,
        version_number: int | None,
        scenario: Scenario,
        judge: MentionJudge | None,
    ) -> ScenarioResult:
        self.played.append((scenario.id, version_number))
        result = ScenarioResult(scenario.id, scenario.name, mode="voice")
        result.steps.append(
            StepResult(1, "say", "charged twice", "ok", [], [], None, heard="okay", response_ms=640)
        )
        return result


@pytest.fixture
def desk(workspace: Workspace) -> Pipeline:
    pipeline = pipeline_create(workspace=workspace, user=None, name="Desk", graph=desk_graph())
    suite_save(pipeline=pipeline, user=None, document=SUITE)
    return pipeline


@pytest.fixture
def fake_player() -> Iterator[FakePlayer]:
    before = voice_player()
    player = FakePlayer()
    register_voice_player(player)
    yield player
    register_voice_player(before)


def test_a_voice_run_plays_the_scripted_scenarios_through_the_player(
    desk: Pipeline, fake_player: FakePlayer
) -> None:
    run = suite_run(pipeline=desk, workspace=desk.workspace, user=None, mode="voice")
    assert fake_player.played == [("refund", None)]
    assert run.result["mode"] == "voice"
    refund, simulated = run.result["scenarios"]
    assert (refund["mode"], refund["steps"][0]["heard"], refund["steps"][0]["response_ms"]) == (
        "voice",
        "okay",
        640,
    )
    assert simulated["mode"] == "text"
    assert simulated["error"] == "A simulated caller needs a language model: configure one."


def test_without_livekit_a_voice_run_is_refused_with_the_reason(
    desk: Pipeline, client_as: Callable[[Role], Client]
) -> None:
    client = client_as(Role.DESIGNER)
    response = client.post(
        f"/api/pipelines/{desk.pk}/tests/run", {"mode": "voice"}, content_type=JSON
    )
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "voice_runs_unavailable"
    assert "needs a LiveKit server" in error["message"]
    assert desk.flow_suite_runs.count() == 0


def test_the_cli_runs_by_voice_on_request_and_exits_2_without_livekit(desk: Pipeline) -> None:
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("flows", "test", str(desk.pk), "--voice", stdout=out)
    assert refused.value.returncode == 2
    assert "needs a LiveKit server" in str(refused.value)


def test_the_cli_reports_what_the_caller_heard(desk: Pipeline, fake_player: FakePlayer) -> None:
    out = StringIO()
    with pytest.raises(CommandError) as failed:  # the simulated one has no model here
        call_command("flows", "test", str(desk.pk), "--voice", stdout=out)
    assert failed.value.returncode == 1
    text = out.getvalue()
    assert "Desk (draft, by voice): 2 scenarios" in text
    assert "step 1: heard 'okay', first audio 640 ms after the caller stopped" in text


def _turn(sequence: int, nodes: list[dict[str, Any]], said: str) -> dict[str, Any]:
    trace = {"turn": sequence, "nodes": nodes, "reason": "completed", "ms": 2.5}
    return {
        "sequence": sequence,
        "user_text": "",
        "agent_text": said,
        "trace": trace,
        "fallback": False,
        "reason": "completed",
    }


def test_what_the_worker_recorded_reads_as_a_text_runs_observation() -> None:
    records = _Records(
        turns=[
            _turn(
                1,
                [
                    {
                        "node_id": "route",
                        "node_type": "classifier",
                        "branch": "intent:billing",
                        "output": "billing",
                    },
                    {
                        "node_id": "mark",
                        "node_type": "set_variables",
                        "branch": "out",
                        "output": {"topic": "billing"},
                    },
                ],
                "Billing here.",
            )
        ],
        events=[
            {"pk": 1, "kind": "action", "name": "transfer_attempt", "data": {"target": "+1555"}},
            {"pk": 2, "kind": "lifecycle", "name": "silence", "data": {"prompts": 1}},
            {"pk": 3, "kind": "lifecycle", "name": "silence", "data": {"prompts": 2}},
            {"pk": 4, "kind": "dtmf", "name": "digit", "data": {"digit": "1"}},
        ],
    )
    seen = observed(records, {"tier": "gold"})
    assert seen.said == ["Billing here.", SILENCE_PROMPT_LINE, SILENCE_GOODBYE_LINE]
    assert seen.nodes == ["route", "mark"]
    assert seen.branches == [("route", "intent:billing"), ("mark", "out")]
    assert seen.intent == "billing"
    assert seen.variables == {"tier": "gold", "topic": "billing"}
    assert seen.actions == [
        {"action": "transfer", "destination": "+1555"},
        {"action": "hangup", "reason": "silence_timeout"},
    ]
    assert seen.turn_ms == [2.5]
    ended = observed(_Records(ended=True, variables={"topic": "refund"}), {"tier": "gold"})
    assert (ended.ended, ended.variables) == (True, {"topic": "refund"})


def test_the_worker_is_told_the_scenarios_facts() -> None:
    scenario = Scenario.model_validate(
        {
            "id": "s",
            "name": "S",
            "variables": {"tier": "gold"},
            "silence_timeout_s": 9,
            "steps": [{"kind": "say", "text": "hi"}],
            "model_answers": [{"text": "Hello."}],
        }
    )
    assert dispatch_metadata(7, scenario) == {
        "call_id": 7,
        "variables": {"tier": "gold"},
        "silence_timeout_s": 9,
        "model_answers": [{"text": "Hello.", "tool": "", "arguments": {}}],
    }


async def test_a_caller_latency_is_what_the_caller_waited_and_in_text_the_engines_time() -> None:
    from pipelines.flow_tests.expectations import check
    from pipelines.flow_tests.observation import Observed
    from pipelines.flow_tests.spec import LatencyExpectation

    by_voice = Observed(turn_ms=[3.0], response_ms=[900.0, 1400.0])
    caller = LatencyExpectation(max_ms=1000, of="caller")
    failure = await check(caller, by_voice)
    assert failure is not None
    assert failure.as_dict() == {
        "kind": "latency",
        "expected": "the caller hears the agent within 1000 ms",
        "observed": "the agent's first audio came 1400 ms after the caller stopped",
    }
    assert await check(LatencyExpectation(max_ms=1000), by_voice) is None  # engine time
    as_text = Observed(turn_ms=[3.0])
    assert await check(caller, as_text) is None
    assert await check(LatencyExpectation(max_ms=2, of="caller"), as_text) is not None
