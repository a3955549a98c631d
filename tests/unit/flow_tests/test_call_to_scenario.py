"""'Turn this call into a scenario': the caller's turns become steps, what happened the
expectations, what the model said the canned answers; the scenario passes on the flow that
answered the call and fails once the flow no longer does the same."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from betool.models import Workspace
from betool.roles import Role
from pipelines.engine import Channel, Conversation, compile_graph
from pipelines.flow_tests.canned import CannedLLM
from pipelines.flow_tests.spec import CannedAnswer
from pipelines.models import Pipeline
from pipelines.services import pipeline_create, pipeline_publish
from pipelines.turn.events import TurnEndEvent
from pipelines.turn.providers import ProviderRegistry
from telephony.models import Call, CallEndReason, CallStatus, PhoneNumber
from telephony.services import call_end, call_set_status, call_start, call_turn_record

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _traces(graph: dict[str, Any], said: list[str], answers: list[str]) -> list[dict[str, Any]]:
    """The traces the voice worker records for these caller turns (the same engine)."""

    async def talk() -> list[dict[str, Any]]:
        model = CannedLLM([CannedAnswer(text=a) for a in answers])
        providers = ProviderRegistry(llms={"m": model}, default_model="m")
        conversation = Conversation(
            compile_graph(graph), channel=Channel("phone_gateway", "+15559999"), providers=providers
        )
        traces = []
        for text in said:
            async for event in conversation.run_turn(text):
                if isinstance(event, TurnEndEvent):
                    traces.append(event.trace.as_dict())
        return traces

    return asyncio.run(talk())


def _call(workspace: Workspace, pipeline: Pipeline, said: list[str], answers: list[str]) -> Call:
    version = pipeline_publish(pipeline=pipeline, user=None, check_models=False)
    number = PhoneNumber.objects.create(workspace=workspace, e164="+15550100", pipeline=pipeline)
    t0 = timezone.now() - timedelta(minutes=5)
    call = call_start(
        workspace=workspace,
        room_name="call-x",
        from_number="+15559999",
        to_number="+15550100",
        number=number,
        pipeline_version=version,
        at=t0,
    )
    call_set_status(call=call, status=CallStatus.ACTIVE, at=t0)
    for sequence, (text, trace) in enumerate(
        zip(said, _traces(pipeline.draft, said, answers), strict=True), 1
    ):
        call_turn_record(
            call=call,
            sequence=sequence,
            user_text=text,
            agent_text="",
            trace=trace,
            started_at=t0 + timedelta(seconds=sequence),
        )
    call.transfer_target = "+15550100" if "person" in " ".join(said) else ""
    call.save(update_fields=["transfer_target"])
    call_end(call=call, reason=CallEndReason.TRANSFERRED, at=t0 + timedelta(seconds=60))
    return call


def test_a_call_becomes_a_scenario_that_passes_then_catches_a_regression(
    workspace: Workspace, client_as: Callable[[Role], Client]
) -> None:
    pipeline = pipeline_create(workspace=workspace, user=None, name="Desk", template="front_desk")
    said = ["what is the price of the pro plan", "ok, a person please"]
    call = _call(workspace, pipeline, said, ["The pro plan is twenty dollars a month."])
    designer = client_as(Role.DESIGNER)
    response = designer.post(f"/api/calls/{call.pk}/scenario")
    assert response.status_code == 201, response.content
    scenario = response.json()["scenario"]
    assert [s["text"] for s in scenario["steps"]] == said
    assert scenario["steps"][0]["expect"][:2] == [
        {"kind": "visited", "nodes": ["classify", "sales"], "mode": "in_order"},
        {"kind": "intent", "equals": "sales"},
    ]
    assert scenario["model_answers"] == [{"text": "The pro plan is twenty dollars a month."}]
    assert scenario["expect"] == [
        {"kind": "action", "action": "transfer", "destination": "+15550100"}
    ]
    run = designer.post(
        f"/api/pipelines/{pipeline.pk}/tests/run",
        {"scenarios": [scenario["id"]]},
        content_type=JSON,
    )
    assert run.json()["passed"] is True, run.json()
    # Later the classifier loses its "person" keyword: the scenario made of the call fails.
    draft = pipeline.draft
    for node in draft["nodes"]:
        if node["id"] == "classify":
            for intent in node["data"]["config"]["intents"]:
                if intent["name"] == "human":
                    intent["keywords"] = ["operator"]
    Pipeline.objects.filter(pk=pipeline.pk).update(draft=draft)
    run = designer.post(
        f"/api/pipelines/{pipeline.pk}/tests/run",
        {"scenarios": [scenario["id"]]},
        content_type=JSON,
    )
    result = run.json()
    assert result["passed"] is False
    assert result["result"]["scenarios"][0]["first_failure"]["step"] == 2


def test_a_call_without_turns_or_in_another_workspace_is_refused(
    workspace: Workspace, client_as: Callable[[Role], Client]
) -> None:
    pipeline = pipeline_create(workspace=workspace, user=None, name="Desk", template="front_desk")
    call = call_start(
        workspace=workspace,
        room_name="call-y",
        from_number="+1555",
        to_number="+1556",
        number=None,
        pipeline_version=pipeline_publish(pipeline=pipeline, user=None, check_models=False),
        at=timezone.now(),
    )
    designer = client_as(Role.DESIGNER)
    empty = designer.post(f"/api/calls/{call.pk}/scenario")
    assert empty.status_code == 422
    assert empty.json()["error"]["code"] == "call_has_no_turns"
    assert designer.post("/api/calls/999999/scenario").status_code == 404
    finance = client_as(Role.FINANCE)
    assert finance.post(f"/api/calls/{call.pk}/scenario").status_code == 403
