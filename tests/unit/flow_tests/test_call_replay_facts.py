"""A call replayed as a scenario runs with the facts the call had: the caller's number, the
variables it started with, its SIP attributes and its number's silence timeout."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from betool.models import Workspace
from betool.roles import Role
from pipelines.engine import Channel, Conversation, compile_graph
from pipelines.services import pipeline_create, pipeline_publish
from pipelines.turn.events import TurnEndEvent
from pipelines.turn.providers import ProviderRegistry
from telephony.calls.facts import CALL_STARTED_EVENT, call_started_data
from telephony.models import Call, CallEndReason, CallEventKind, CallStatus, PhoneNumber
from telephony.services import (
    call_end,
    call_event_record,
    call_set_status,
    call_start,
    call_turn_record,
)
from telephony.worker import call_started
from tests.unit.flow_tests.desk import desk_graph

pytestmark = pytest.mark.django_db
JSON = "application/json"
GOLD = {"tier": "gold"}
ATTRIBUTES = {
    "sip.phoneNumber": "+15557654321",
    "sip.h.x-account": "A-42",
    "lk.agent.state": "listening",  # not the caller's SIP facts
}


def _trace(graph: dict[str, Any], text: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The trace the worker records for this turn of a call with ``variables`` (same engine)."""

    async def talk() -> dict[str, Any]:
        conversation = Conversation(
            compile_graph(graph),
            channel=Channel("phone_gateway", "+15557654321"),
            providers=ProviderRegistry(),
            variables=variables,
        )
        async for event in conversation.run_turn(text):
            if isinstance(event, TurnEndEvent):
                return event.trace.as_dict()
        raise AssertionError("no turn end")

    return asyncio.run(talk())


def _gold_call(workspace: Workspace) -> tuple[Any, Call]:
    pipeline = pipeline_create(workspace=workspace, user=None, name="Desk", graph=desk_graph())
    version = pipeline_publish(pipeline=pipeline, user=None, check_models=False)
    number = PhoneNumber.objects.create(
        workspace=workspace, e164="+15550100", pipeline=pipeline, silence_timeout_s=7
    )
    t0 = timezone.now() - timedelta(minutes=5)
    call = call_start(
        workspace=workspace,
        room_name="call-gold",
        from_number="+15557654321",
        to_number="+15550100",
        number=number,
        pipeline_version=version,
        at=t0,
    )
    call_set_status(call=call, status=CallStatus.ACTIVE, at=t0)
    call_event_record(
        call=call,
        kind=CallEventKind.LIFECYCLE,
        name=CALL_STARTED_EVENT,
        data=call_started_data(variables={**GOLD, "basket": ["x"]}, attributes=ATTRIBUTES),
    )
    said = "I was charged twice"
    call_turn_record(
        call=call,
        sequence=1,
        user_text=said,
        agent_text="A gold agent now.",
        trace=_trace(desk_graph(), said, {**GOLD, "called_number": "+15550100"}),
        started_at=t0 + timedelta(seconds=2),
    )
    call.transfer_target = "+15550199"
    call.save(update_fields=["transfer_target"])
    call_end(call=call, reason=CallEndReason.TRANSFERRED, at=t0 + timedelta(seconds=30))
    return pipeline, call


def test_the_worker_records_what_the_call_starts_with() -> None:
    events: list[tuple[Any, str, dict[str, Any]]] = []
    state = SimpleNamespace(
        plan=SimpleNamespace(variables={"tier": "gold", "basket": {"a": 1}}),
        recorder=SimpleNamespace(event=lambda *args: events.append(args)),
    )
    call_started.record(state, ATTRIBUTES)  # type: ignore[arg-type]
    assert events == [
        (
            CallEventKind.LIFECYCLE,
            CALL_STARTED_EVENT,
            {
                "variables": {"tier": "gold"},
                "attributes": {"sip.h.x-account": "A-42", "sip.phoneNumber": "+15557654321"},
            },
        )
    ]


def test_the_replay_carries_the_calls_facts_and_takes_the_same_path(
    workspace: Workspace, client_as: Callable[[Role], Client]
) -> None:
    pipeline, call = _gold_call(workspace)
    designer = client_as(Role.DESIGNER)
    response = designer.post(f"/api/calls/{call.pk}/scenario")
    assert response.status_code == 201, response.content
    scenario = response.json()["scenario"]
    assert scenario["caller_number"] == "+15557654321"
    assert scenario["variables"] == {"tier": "gold", "called_number": "+15550100"}
    assert scenario["attributes"] == {
        "sip.h.x-account": "A-42",
        "sip.phoneNumber": "+15557654321",
    }
    assert scenario["silence_timeout_s"] == 7
    assert scenario["steps"][0]["expect"][0] == {
        "kind": "visited",
        "nodes": ["route", "vip", "gold_desk"],
        "mode": "in_order",
    }
    run = designer.post(
        f"/api/pipelines/{pipeline.pk}/tests/run",
        {"scenarios": [scenario["id"]]},
        content_type=JSON,
    )
    assert run.json()["passed"] is True, run.json()


def test_without_the_calls_variables_the_replay_would_go_elsewhere(
    workspace: Workspace, client_as: Callable[[Role], Client]
) -> None:
    """What the carried variables are for: the same steps without them fail."""
    pipeline, call = _gold_call(workspace)
    designer = client_as(Role.DESIGNER)
    scenario = designer.post(f"/api/calls/{call.pk}/scenario").json()["scenario"]
    tests = designer.get(f"/api/pipelines/{pipeline.pk}/tests").json()
    stored = tests["suite"]
    stored["scenarios"][0]["variables"] = {}
    saved = designer.put(
        f"/api/pipelines/{pipeline.pk}/tests",
        {"suite": stored, "revision": tests["revision"]},
        content_type=JSON,
    )
    assert saved.status_code == 200, saved.content
    run = designer.post(
        f"/api/pipelines/{pipeline.pk}/tests/run",
        {"scenarios": [scenario["id"]]},
        content_type=JSON,
    )
    result = run.json()["result"]["scenarios"][0]
    assert result["passed"] is False
    assert result["first_failure"]["kind"] == "visited"
