"""Trunks, numbers and outbound calls over the API: who may, what comes back (never a
password), and a clear refusal for each mistake."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from betool.models import LedgerKind, User, Workspace
from betool.roles import Role
from betool.services import ledger_credit, workspace_create
from pipelines.models import Pipeline, PipelineVersion
from telephony.models import Call, CallStatus, PhoneNumber, SyncStatus, Trunk

ClientAs = Callable[[Role], Client]

TRUNK = {
    "name": "Carrier",
    "address": "sip.carrier.example:5060",
    "transport": "tls",
    "username": "acme",
    "password": "s3cret-out",
    "inbound_username": "carrier",
    "inbound_password": "s3cret-in",
    "allowed_addresses": ["203.0.113.0/24"],
    "codecs": ["PCMA", "PCMU"],
    "max_concurrent_calls": 4,
    "supports_refer": True,
}


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def patch(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json")


@pytest.fixture(autouse=True)
def no_livekit(settings: Any) -> None:
    settings.LIVEKIT_ENABLED = False


@pytest.fixture
def admin(client_as: ClientAs) -> Client:
    return client_as(Role.ADMIN)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.OWNER, True), (Role.ADMIN, True), (Role.DESIGNER, False), (Role.FINANCE, False)],
)
def test_only_owners_and_admins_manage_trunks_and_numbers(
    client_as: ClientAs, workspace: Workspace, role: Role, allowed: bool
) -> None:
    client = client_as(role)
    trunk = Trunk.objects.create(workspace=workspace, name="T", address="sip.example.com")
    number = PhoneNumber.objects.create(workspace=workspace, e164="+15550100100")
    answers = [
        client.get("/api/trunks"),
        post(client, "/api/trunks", TRUNK),
        patch(client, f"/api/trunks/{trunk.pk}", {"name": "U"}),
        client.post(f"/api/trunks/{trunk.pk}/sync"),
        client.get("/api/numbers"),
        post(client, "/api/numbers", {"e164": "+15550100101"}),
        patch(client, f"/api/numbers/{number.pk}", {"label": "x"}),
        client.delete(f"/api/numbers/{number.pk}"),
        client.delete(f"/api/trunks/{trunk.pk}"),
    ]
    statuses = [answer.status_code for answer in answers]
    if allowed:
        assert statuses == [200, 201, 200, 202, 200, 201, 200, 204, 204]
    else:
        assert statuses == [403] * len(answers)
        assert answers[0].json()["error"]["code"] == "forbidden"


def test_a_trunks_passwords_are_write_only(
    admin: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        created = post(admin, "/api/trunks", TRUNK)
    assert created.status_code == 201, created.content
    trunk_id = created.json()["id"]
    shown = admin.get(f"/api/trunks/{trunk_id}")  # after the sync ran
    body = shown.json()
    assert body["has_password"] is True
    assert body["has_inbound_password"] is True
    assert body["transport"] == "tls"
    assert body["codecs"] == ["PCMA", "PCMU"]
    assert body["sync_status"] == SyncStatus.ERROR  # no LiveKit here: the reason is given
    assert body["sync_error"].startswith("LiveKit is not configured")
    for answer in (created, shown, admin.get("/api/trunks")):
        assert "s3cret" not in answer.content.decode()
        assert "password" not in {
            k for k in (answer.json() if isinstance(answer.json(), dict) else answer.json()[0])
        }

    # Leaving the password out keeps it; "" removes it.
    assert patch(admin, f"/api/trunks/{trunk_id}", {"name": "Renamed"}).json()["has_password"]
    assert Trunk.objects.get().password == "s3cret-out"
    removed = patch(
        admin, f"/api/trunks/{trunk_id}", {"inbound_password": "", "inbound_username": ""}
    )
    assert removed.json()["has_inbound_password"] is False
    assert removed.json()["has_password"] is True


def test_invalid_trunks_are_refused_with_the_reason(admin: Client) -> None:
    answer = post(admin, "/api/trunks", {**TRUNK, "address": "", "codecs": ["AMR"]})
    assert answer.status_code == 422
    message = answer.json()["error"]["message"]
    assert "An outbound trunk needs the carrier's SIP address" in message
    assert "Unknown codec(s) AMR" in message
    answer = post(admin, "/api/trunks", {**TRUNK, "transport": "sctp"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_input"


def test_numbers_crud_with_e164_and_workspace_checks(admin: Client, workspace: Workspace) -> None:
    trunk_id = post(admin, "/api/trunks", TRUNK).json()["id"]
    created = post(admin, "/api/numbers", {"e164": "+1 555 010 0100", "trunk_id": trunk_id})
    assert created.status_code == 201, created.content
    number = created.json()
    assert number["e164"] == "+15550100100"
    assert number["trunk_id"] == trunk_id
    assert (number["calls_today"], number["calls_active"]) == (0, 0)
    assert admin.get(f"/api/trunks/{trunk_id}").json()["numbers"] == ["+15550100100"]

    bad = post(admin, "/api/numbers", {"e164": "555-0100"})
    assert bad.status_code == 422
    assert "E.164" in bad.json()["error"]["message"]
    duplicate = post(admin, "/api/numbers", {"e164": "+15550100100"})
    assert duplicate.json()["error"]["message"] == "This number is already configured."

    other = workspace_create(name="Other", owner=User.objects.create_user("o2", "", "x"))
    foreign_trunk = Trunk.objects.create(workspace=other, name="Theirs", direction="inbound")
    moved = patch(admin, f"/api/numbers/{number['id']}", {"trunk_id": foreign_trunk.pk})
    assert moved.status_code == 422
    assert moved.json()["error"]["message"] == "This trunk belongs to another workspace."
    missing = patch(admin, f"/api/numbers/{number['id']}", {"trunk_id": 999_999})
    assert missing.json()["error"]["message"] == "There is no trunk 999999."
    nulled = patch(admin, f"/api/numbers/{number['id']}", {"label": None})
    assert nulled.status_code == 400
    assert "cannot be null: label" in nulled.json()["error"]["message"]

    detached = patch(admin, f"/api/numbers/{number['id']}", {"trunk_id": None})
    assert detached.json()["trunk_id"] is None
    foreign_number = PhoneNumber.objects.create(workspace=other, e164="+15550100999")
    assert admin.get(f"/api/numbers/{foreign_number.pk}").status_code == 404
    assert admin.get(f"/api/trunks/{foreign_trunk.pk}").status_code == 404


def test_usage_counts_calls_today_and_in_progress(admin: Client, workspace: Workspace) -> None:
    trunk = Trunk.objects.create(workspace=workspace, name="T", address="sip.example.com")
    number = PhoneNumber.objects.create(workspace=workspace, e164="+15550100100", trunk=trunk)
    for status in (CallStatus.ACTIVE, CallStatus.ENDED, CallStatus.RINGING):
        Call.objects.create(workspace=workspace, number=number, room_name="r", status=status)
    assert admin.get(f"/api/numbers/{number.pk}").json()["calls_today"] == 3
    body = admin.get(f"/api/trunks/{trunk.pk}").json()
    assert (body["calls_today"], body["calls_active"]) == (3, 2)


# --- outbound calls ---------------------------------------------------------------------------


@pytest.fixture
def ready_number(workspace: Workspace, settings: Any) -> PhoneNumber:
    settings.LIVEKIT_ENABLED = True
    pipeline = Pipeline.objects.create(workspace=workspace, name="Sales", draft={})
    PipelineVersion.objects.create(pipeline=pipeline, number=1, graph={})
    trunk = Trunk.objects.create(workspace=workspace, name="T", address="sip.example.com")
    return PhoneNumber.objects.create(
        workspace=workspace, e164="+15550100100", trunk=trunk, pipeline=pipeline
    )


def test_an_outbound_call_is_created_and_dispatched_with_its_variables(
    client_as: ClientAs,
    ready_number: PhoneNumber,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    dispatched: list[dict[str, Any]] = []

    async def dispatch_agent(*, room_name: str, metadata: dict[str, Any]) -> str:
        dispatched.append({"room": room_name, **metadata})
        return "AD_1"

    monkeypatch.setattr("telephony.provisioning.dispatch.dispatch_agent", dispatch_agent)
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(
            client_as(Role.OWNER),
            "/api/calls/outbound",
            {"to": "+1 555 010 0199", "from_number": "+15550100100", "variables": {"crm": 7}},
        )
    assert answer.status_code == 201, answer.content
    call = answer.json()
    assert (call["direction"], call["status"]) == ("outbound", "ringing")
    assert (call["from_number"], call["to_number"]) == ("+15550100100", "+15550100199")
    assert dispatched == [
        {"room": call["room_name"], "call_id": call["id"], "variables": {"crm": 7}}
    ]
    by_id = post(client_as(Role.ADMIN), "/api/calls/outbound",
                 {"to": "+15550100199", "number_id": ready_number.pk})  # fmt: skip
    assert by_id.status_code == 201


@pytest.mark.parametrize("role", [Role.DESIGNER, Role.FINANCE])
def test_designers_and_finance_place_no_calls(
    client_as: ClientAs, ready_number: PhoneNumber, role: Role
) -> None:
    answer = post(client_as(role), "/api/calls/outbound",
                  {"to": "+15550100199", "number_id": ready_number.pk})  # fmt: skip
    assert answer.status_code == 403


def refusal(client: Client, body: dict[str, Any]) -> tuple[int, str, str]:
    answer = post(client, "/api/calls/outbound", body)
    error = answer.json()["error"]
    return answer.status_code, error["code"], error["message"]


def test_outbound_refusals_say_why(
    admin: Client, ready_number: PhoneNumber, workspace: Workspace, settings: Any
) -> None:
    base = {"number_id": ready_number.pk}
    assert refusal(admin, {**base, "to": "0100"}) == (
        422, "invalid_number", "'0100' is not a phone number in E.164 form (e.g. +15550100).",
    )  # fmt: skip
    assert refusal(admin, {"to": "+15550100199"})[:2] == (422, "invalid_input")
    assert refusal(admin, {"to": "+15550100199", "number_id": 999})[:2] == (404, "not_found")

    workspace.max_concurrent_calls = 1
    workspace.save()
    Call.objects.create(workspace=workspace, room_name="busy", status=CallStatus.ACTIVE)
    assert refusal(admin, {**base, "to": "+15550100199"})[:2] == (429, "concurrency_limit")
    Call.objects.update(status=CallStatus.ENDED)

    ledger_credit(workspace=workspace, credits=Decimal(-100_000), kind=LedgerKind.ADJUSTMENT,
                  reason="spent", user=None)  # fmt: skip
    status, code, message = refusal(admin, {**base, "to": "+15550100199"})
    assert (status, code) == (402, "no_credits")
    assert "top up" in message

    bad_name = refusal(admin, {**base, "to": "+15550100199", "variables": {"first name": "A"}})
    assert bad_name[:2] == (422, "invalid_input")
    assert "'first name' is not a variable name" in bad_name[2]
    too_long = {**base, "to": "+15550100199", "variables": {"note": "x" * 1001}}
    assert refusal(admin, too_long)[:2] == (422, "invalid_input")
    nested = {**base, "to": "+15550100199", "variables": {"crm": {"id": 1}}}
    assert refusal(admin, nested)[:2] == (422, "invalid_input")

    ready_number.trunk = None
    ready_number.save()
    status, code, message = refusal(admin, {**base, "to": "+15550100199"})
    assert (status, code) == (409, "number_not_ready")
    assert message.startswith("The number +15550100100 has no outbound trunk")

    settings.LIVEKIT_ENABLED = False
    status, code, message = refusal(admin, {**base, "to": "+15550100199"})
    assert (status, code) == (409, "livekit_disabled")
    assert "none is configured" in message


def test_a_pipeline_a_number_answers_with_is_listed_with_it_and_not_deleted(
    client_as: ClientAs, workspace: Workspace
) -> None:
    # pipelines learns its numbers through the lookup telephony registers when it is ready.
    pipeline = Pipeline.objects.create(workspace=workspace, name="Routed", draft={})
    PhoneNumber.objects.create(workspace=workspace, e164="+15550100177", pipeline=pipeline)
    designer = client_as(Role.DESIGNER)

    listed = {p["id"]: p for p in designer.get("/api/pipelines").json()}
    assert listed[pipeline.pk]["numbers"] == ["+15550100177"]
    refused = designer.delete(f"/api/pipelines/{pipeline.pk}")
    assert refused.status_code == 409
    assert "+15550100177" in refused.json()["error"]["message"]
    assert Pipeline.objects.filter(pk=pipeline.pk).exists()
