"""GET /api/calls and /api/calls/{id}: filters, pagination, detail with cost, roles, scoping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from betool.models import LedgerEntry, LedgerKind, User, Workspace
from betool.roles import Role
from betool.services import workspace_create
from pipelines.models import Pipeline, PipelineVersion
from telephony.models import (
    Call,
    CallDirection,
    CallEndReason,
    CallEventKind,
    CallStatus,
    PhoneNumber,
)
from telephony.services import (
    call_end,
    call_event_record,
    call_set_status,
    call_start,
    call_turn_record,
)


@pytest.fixture
def pipeline(workspace: Workspace) -> Pipeline:
    return Pipeline.objects.create(workspace=workspace, name="Front desk", draft={})


@pytest.fixture
def finished_call(workspace: Workspace, pipeline: Pipeline) -> Call:
    version = PipelineVersion.objects.create(pipeline=pipeline, number=3, graph={})
    number = PhoneNumber.objects.create(workspace=workspace, e164="+15550100", pipeline=pipeline)
    t0 = timezone.now() - timedelta(minutes=5)
    call = call_start(
        workspace=workspace, room_name="call-a", from_number="+15559999", to_number="+15550100",
        number=number, pipeline_version=version, at=t0,
    )  # fmt: skip
    call_set_status(call=call, status=CallStatus.CONNECTED, at=t0 + timedelta(seconds=2))
    call_set_status(call=call, status=CallStatus.ACTIVE, at=t0 + timedelta(seconds=3))
    call_turn_record(
        call=call, sequence=1, user_text="I need a person", agent_text="Transferring you.",
        started_at=t0 + timedelta(seconds=5),
        latencies={"stt_ms": 120, "engine_first_text_ms": 40, "end_to_end_ms": 610},
        trace={"nodes": [{"node_id": "classify", "ms": 3}]},
    )  # fmt: skip
    call_event_record(
        call=call, kind=CallEventKind.TOOL, name="transfer_call", data={"to": "+1555"}
    )
    call_end(
        call=call, reason=CallEndReason.TRANSFERRED, usage={"call_seconds": 60},
        at=t0 + timedelta(seconds=62),
    )  # fmt: skip
    for kind, quantity, credits in [
        (LedgerKind.CALL_SECONDS, "60", "-200.00"),
        (LedgerKind.TTS_CHARACTERS, "17", "-1.50"),
    ]:
        LedgerEntry.objects.create(
            workspace=workspace, source=f"call-{call.pk}", kind=kind, quantity=Decimal(quantity),
            credits=Decimal(credits), occurred_at=timezone.now(),
        )  # fmt: skip
    return call


@pytest.fixture
def live_test_call(workspace: Workspace, pipeline: Pipeline) -> Call:
    call = call_start(workspace=workspace, room_name="test-b", is_test=True)
    Call.objects.filter(pk=call.pk).update(pipeline=pipeline)
    return call


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.DESIGNER, Role.FINANCE])
def test_every_role_that_views_calls_lists_them_newest_first(
    client_as: Callable[[Role], Client], role: Role, finished_call: Call, live_test_call: Call
) -> None:
    response = client_as(role).get("/api/calls")
    assert ids(response) == [live_test_call.pk, finished_call.pk]
    first = response.json()["items"][1]
    assert first["pipeline_name"] == "Front desk"
    assert first["pipeline_version"] == 3
    assert first["number"] == "+15550100"
    assert first["end_reason"] == "transferred"
    assert first["end_reason_label"] == "Transferred"
    assert first["duration_s"] == 60.0


def test_filters_narrow_the_history(
    client_as: Callable[[Role], Client], pipeline: Pipeline, finished_call: Call,
    live_test_call: Call,
) -> None:  # fmt: skip
    client = client_as(Role.FINANCE)
    today = timezone.localdate().isoformat()
    assert ids(client.get("/api/calls?number=9999")) == [finished_call.pk]
    assert ids(client.get("/api/calls?status=ended")) == [finished_call.pk]
    assert ids(client.get("/api/calls?live=true")) == [live_test_call.pk]
    assert ids(client.get("/api/calls?is_test=true")) == [live_test_call.pk]
    assert ids(client.get("/api/calls?direction=outbound")) == []
    assert ids(client.get(f"/api/calls?pipeline_id={pipeline.pk}")) == [
        live_test_call.pk,
        finished_call.pk,
    ]
    assert len(ids(client.get(f"/api/calls?date_from={today}&date_to={today}"))) == 2
    assert ids(client.get("/api/calls?date_to=2000-01-01")) == []


def test_pagination_reports_the_total(
    client_as: Callable[[Role], Client], workspace: Workspace
) -> None:
    made = [call_start(workspace=workspace, room_name=f"r{i}").pk for i in range(5)]
    body = client_as(Role.OWNER).get("/api/calls?limit=2&offset=2").json()
    assert body["total"] == 5
    assert [item["id"] for item in body["items"]] == list(reversed(made))[2:4]


@pytest.mark.parametrize(
    "query",
    ["status=dancing", "direction=sideways", "limit=0", "limit=1000", "date_from=yesterday",
     "date_from=2026-02-02&date_to=2026-02-01"],
)  # fmt: skip
def test_bad_filters_are_explained(client_as: Callable[[Role], Client], query: str) -> None:
    response = client_as(Role.OWNER).get(f"/api/calls?{query}")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"]


def test_detail_has_lifecycle_transcript_trace_tools_usage_and_cost(
    client_as: Callable[[Role], Client], finished_call: Call
) -> None:
    response = client_as(Role.DESIGNER).get(f"/api/calls/{finished_call.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    lifecycle = body["lifecycle"]
    assert all(lifecycle[k] for k in ["ringing_at", "connected_at", "active_at", "ended_at"])
    assert lifecycle["transferred_at"] == lifecycle["ended_at"]
    assert lifecycle["on_hold_at"] is None
    [turn] = body["turns"]
    assert turn["user_text"] == "I need a person"
    assert turn["latencies"]["end_to_end_ms"] == 610
    assert turn["trace"]["nodes"][0]["node_id"] == "classify"
    tools = [e for e in body["events"] if e["kind"] == "tool"]
    assert tools[0]["name"] == "transfer_call"
    assert [e["name"] for e in body["events"] if e["kind"] == "lifecycle"] == [
        "started", "connected", "active", "ended",
    ]  # fmt: skip
    assert body["usage"] == {"call_seconds": 60}
    cost = {line["kind"]: line for line in body["cost"]}
    assert Decimal(cost["call_seconds"]["credits"]) == Decimal("200.00")
    assert cost["call_seconds"]["label"] == "Call time"
    assert Decimal(cost["tts_characters"]["quantity"]) == 17
    assert Decimal(body["total_credits"]) == Decimal("201.50")


def test_another_workspaces_call_is_not_found(
    client_as: Callable[[Role], Client], finished_call: Call
) -> None:
    other_owner = User.objects.create_user("elsewhere", "e@example.com", "pw-pw-pw-pw")
    other = workspace_create(name="Other", owner=other_owner)
    stranger = call_start(workspace=other, room_name="x", direction=CallDirection.OUTBOUND)
    client = client_as(Role.OWNER)
    response = client.get(f"/api/calls/{stranger.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert stranger.pk not in ids(client.get("/api/calls"))
    assert client.get("/api/calls/999999").status_code == 404


def test_anonymous_is_refused() -> None:
    response = Client().get("/api/calls")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
