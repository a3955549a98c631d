"""The campaigns API end to end on the embedded defaults: no LiveKit, so each call placed
fails at once (its dispatch is refused), which the campaign records and retries."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from betool.models import User
from betool.roles import Role
from betool.services import workspace_create
from campaigns.models import CampaignAttempt, CampaignContact, ContactState
from telephony.models import Call, CallEndReason
from tests.unit.campaigns.conftest import Outbound

# What a start schedules runs after its commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

ALWAYS_OPEN = {
    day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}
CSV = (
    "number,first_name,appointment\n"
    "+12125550100,Ada,Monday\n"
    "+12125550101,Blaise,Tuesday\n"
    "not a number,Carl,Friday\n"
    "+12125550102,Dora,Wednesday\n"
)


def _post(client: Client, path: str, body: Any = None) -> Any:
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def _create(client: Client, outbound: Outbound, **overrides: Any) -> Any:
    body = {
        "name": "November reminders",
        "pipeline_id": outbound.pipeline.pk,
        "caller_number_ids": [outbound.number.pk],
        "calling_windows": ALWAYS_OPEN,
        "max_concurrent_calls": 2,
        "retry_policy": {"failed": {"delay_s": 3600, "max_attempts": 2}},
        "breaker_failure_percent": 100,
        **overrides,
    }
    return _post(client, "/api/campaigns", body)


def test_a_campaign_from_a_csv_reports_the_bad_row_starts_and_pauses(
    client_as: Callable[[Role], Client], outbound: Outbound
) -> None:
    owner = client_as(Role.OWNER)
    created = _create(owner, outbound)
    assert created.status_code == 201, created.content
    campaign = created.json()
    assert campaign["status"] == "draft"
    assert campaign["effective_concurrency"] == 2
    path = f"/api/campaigns/{campaign['id']}"

    check = _post(owner, f"{path}/contacts/check", {"csv": CSV})
    assert check.status_code == 200, check.content
    assert check.json()["accepted"] == 3
    assert [(r["row"], r["reason"]) for r in check.json()["rejected"]] == [(3, "bad_number")]
    assert check.json()["required_variables"] == ["appointment", "first_name"]
    assert not CampaignContact.objects.exists(), "a check imports nothing"

    imported = _post(owner, f"{path}/contacts", {"csv": CSV})
    assert imported.status_code == 201
    assert owner.get(path).json()["import_report"]["rejected"][0]["number"] == "not a number"

    started = _post(owner, f"{path}/start")
    assert started.status_code == 200, started.content
    body = started.json()
    assert body["status"] == "running"
    # Every contact was dialed (two at a time, each freed line dialing the next); without
    # LiveKit each call failed at once and waits an hour for its retry.
    progress = body["progress"]
    assert progress["total"] == 3
    assert progress["to_retry"] == 3
    assert progress["attempt_outcomes"] == {"failed": 3}
    assert progress["dialing"] == progress["in_call"] == 0
    calls = Call.objects.filter(campaign_attempt__campaign_id=campaign["id"])
    assert calls.count() == 3
    assert set(calls.values_list("end_reason", flat=True)) == {CallEndReason.ERROR}
    assert {c.to_number for c in calls} == {"+12125550100", "+12125550101", "+12125550102"}

    paused = _post(owner, f"{path}/pause")
    assert paused.json()["status"] == "paused"
    assert "Paused by owner" in paused.json()["status_reason"]
    assert _post(owner, f"{path}/pause").status_code == 409
    assert _post(owner, f"{path}/resume").json()["status"] == "running"

    cancelled = _post(owner, f"{path}/cancel").json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["progress"]["final_outcomes"] == {"cancelled": 3}
    assert not CampaignContact.objects.exclude(state=ContactState.DONE).exists()
    assert _post(owner, f"{path}/start").status_code == 409


def test_the_circuit_breaker_pauses_a_campaign_whose_calls_all_fail(
    client_as: Callable[[Role], Client], outbound: Outbound
) -> None:
    owner = client_as(Role.OWNER)
    campaign = _create(
        owner, outbound, breaker_failure_percent=50, breaker_window=2, max_concurrent_calls=1
    ).json()
    path = f"/api/campaigns/{campaign['id']}"
    _post(owner, f"{path}/contacts", {"csv": CSV})
    body = _post(owner, f"{path}/start").json()
    assert body["status"] == "paused"
    assert body["status_reason"].startswith("Circuit breaker: 2 of the last 2 calls failed")
    assert CampaignAttempt.objects.count() == 2  # the third contact was not dialed


def test_bad_set_up_is_refused_with_each_field_named(
    client_as: Callable[[Role], Client], outbound: Outbound
) -> None:
    owner = client_as(Role.OWNER)
    answer = _create(
        owner,
        outbound,
        max_concurrent_calls=9,
        calling_windows={"mon": [["18:00", "09:00"]]},
        retry_policy={"busy": {"delay_s": -1, "max_attempts": 2}},
        default_time_zone="Nowhere/City",
    )
    assert answer.status_code == 422
    fields = {d["field"] for d in answer.json()["error"]["details"]}
    assert fields == {
        "max_concurrent_calls",
        "calling_windows",
        "retry_policy",
        "default_time_zone",
    }
    outbound.number.trunk = None
    outbound.number.save()
    answer = _create(owner, outbound)
    assert answer.json()["error"]["details"][0]["field"] == "caller_number_ids"


def test_a_file_without_a_number_column_imports_nothing(
    client_as: Callable[[Role], Client], outbound: Outbound
) -> None:
    owner = client_as(Role.OWNER)
    campaign = _create(owner, outbound).json()
    answer = _post(owner, f"/api/campaigns/{campaign['id']}/contacts", {"csv": "name\nAda\n"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "import_invalid"
    assert not CampaignContact.objects.exists()


def test_the_do_not_call_list_refuses_its_numbers_at_import(
    client_as: Callable[[Role], Client], outbound: Outbound
) -> None:
    owner = client_as(Role.OWNER)
    added = _post(owner, "/api/do-not-call", {"numbers": ["+1 212 555 0101", "junk"]})
    assert added.status_code == 201
    assert added.json()["added"] == 1
    assert added.json()["rejected"][0]["number"] == "junk"
    campaign = _create(owner, outbound).json()
    report = _post(owner, f"/api/campaigns/{campaign['id']}/contacts", {"csv": CSV}).json()
    assert (2, "do_not_call") in [(r["row"], r["reason"]) for r in report["rejected"]]
    assert owner.delete("/api/do-not-call/%2B12125550101").status_code == 204


def test_roles_and_workspaces(client_as: Callable[[Role], Client], outbound: Outbound) -> None:
    owner = client_as(Role.OWNER)
    campaign = _create(owner, outbound).json()
    designer, finance = client_as(Role.DESIGNER), client_as(Role.FINANCE)
    assert _create(designer, outbound).status_code == 403
    assert _post(designer, f"/api/campaigns/{campaign['id']}/start").status_code == 403
    assert finance.get(f"/api/campaigns/{campaign['id']}").status_code == 200
    assert [c["id"] for c in finance.get("/api/campaigns").json()] == [campaign["id"]]
    stranger = User.objects.create_user("stranger", "stranger@example.com", "pw")
    workspace_create(name="Other", owner=stranger)
    outsider = Client()
    outsider.force_login(stranger)
    assert outsider.get(f"/api/campaigns/{campaign['id']}").status_code == 404
    assert outsider.get("/api/campaigns").json() == []


def test_a_pipeline_a_campaign_calls_with_is_not_deleted_from_under_it(
    client_as: Callable[[Role], Client], outbound: Outbound
) -> None:
    owner = client_as(Role.OWNER)
    _create(owner, outbound)
    outbound.number.pipeline = None
    outbound.number.save()
    answer = owner.delete(f"/api/pipelines/{outbound.pipeline.pk}")
    assert answer.status_code == 409
    assert "campaigns" in answer.json()["error"]["message"]


def test_the_beat_ticks_every_running_campaign_and_only_those(
    client_as: Callable[[Role], Client], outbound: Outbound
) -> None:
    from campaigns.tasks import dial_due

    owner = client_as(Role.OWNER)
    running = _create(owner, outbound).json()
    draft = _create(owner, outbound, name="Not started").json()
    for campaign in (running, draft):
        _post(owner, f"/api/campaigns/{campaign['id']}/contacts", {"csv": CSV})
    _post(owner, f"/api/campaigns/{running['id']}/start")
    assert CampaignAttempt.objects.filter(campaign_id=running["id"]).count() == 3
    assert dial_due() == 1
    # Nothing was due yet: each failed contact waits an hour for its retry.
    assert CampaignAttempt.objects.filter(campaign_id=running["id"]).count() == 3
    # An hour later the beat dials them again, the last attempt their policy allows.
    CampaignContact.objects.filter(campaign_id=running["id"]).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert dial_due() == 1
    progress = owner.get(f"/api/campaigns/{running['id']}").json()
    assert progress["progress"]["attempts"] == 6
    assert progress["progress"]["final_outcomes"] == {"failed": 3}
    assert progress["status"] == "done"
    assert not CampaignAttempt.objects.filter(campaign_id=draft["id"]).exists()
    assert dial_due() == 0
