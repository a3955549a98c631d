"""The suites API: saved with the pipeline, run on the draft or a version, the publish gate,
versions keep their suite, export and import carry it, and every template's suite passes."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from betool.models import User
from betool.roles import Role
from betool.services import workspace_create
from betool.urls import api
from pipelines.models import FlowSuite, FlowSuiteVersion, Pipeline

pytestmark = pytest.mark.django_db
JSON = "application/json"

HUMAN = {
    "id": "human",
    "name": "A person is asked for",
    "steps": [
        {
            "kind": "say",
            "text": "a real person please",
            "expect": [{"kind": "intent", "equals": "human"}],
        }
    ],
    "expect": [{"kind": "action", "action": "transfer", "destination": "+15550100"}],
}

CONFIRM = {
    "id": "confirm",
    "name": "A yes confirms",
    "steps": [{"kind": "say", "text": "yes, see you"}],
    "expect": [{"kind": "variable", "name": "outcome", "equals": "confirmed"}],
}


def _wrong(scenario: dict[str, Any]) -> dict[str, Any]:
    wrong = copy.deepcopy(scenario)
    wrong["expect"][0]["equals"] = "reschedule"
    return wrong


@pytest.fixture
def designer(client_as: Callable[[Role], Client]) -> Client:
    return client_as(Role.DESIGNER)


def _create(client: Client, template: str = "front_desk") -> dict[str, Any]:
    response = client.post(
        "/api/pipelines", {"name": "Desk", "template": template}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    return response.json()


def _tests(client: Client, pipeline_id: int) -> dict[str, Any]:
    response = client.get(f"/api/pipelines/{pipeline_id}/tests")
    assert response.status_code == 200, response.content
    return response.json()


def _save(client: Client, pipeline_id: int, suite: dict[str, Any], revision: int) -> Any:
    return client.put(
        f"/api/pipelines/{pipeline_id}/tests",
        {"suite": suite, "revision": revision},
        content_type=JSON,
    )


def _run(client: Client, pipeline_id: int, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/pipelines/{pipeline_id}/tests/run", body, content_type=JSON)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("template", ["front_desk", "appointment_booking", "outbound_reminder"])
def test_every_template_ships_with_a_suite_that_passes(designer: Client, template: str) -> None:
    pipeline = _create(designer, template)
    suite = _tests(designer, pipeline["id"])
    assert len(suite["suite"]["scenarios"]) >= 3
    assert suite["problems"] == []
    run = _run(designer, pipeline["id"])
    failing = [s for s in run["result"]["scenarios"] if not s["passed"]]
    assert failing == []
    assert run["passed"]
    assert run["total"] == len(suite["suite"]["scenarios"])
    assert run["result"]["coverage"]["exercised"] > 0


def test_a_failing_scenario_shows_the_step_expected_and_observed_then_passes_once_fixed(
    designer: Client,
) -> None:
    pipeline = _create(designer)
    wrong = copy.deepcopy(HUMAN)
    wrong["expect"][0]["destination"] = "+15550999"
    saved = _save(designer, pipeline["id"], {"scenarios": [wrong]}, revision=2)
    assert saved.status_code == 200, saved.content
    run = _run(designer, pipeline["id"])
    assert run["passed"] is False
    [scenario] = run["result"]["scenarios"]
    assert scenario["first_failure"] == {
        "step": None,
        "kind": "action",
        "expected": "transfer to +15550999",
        "observed": "transfer to +15550100",
    }
    assert scenario["steps"][0]["trace"]["nodes"][0]["node_id"] == "classify"
    # The designer fixes the flow instead: the transfer goes where the test says.
    detail = designer.get(f"/api/pipelines/{pipeline['id']}").json()
    graph = detail["graph"]
    for node in graph["nodes"]:
        if node["id"] == "to_human":
            node["data"]["config"]["destination"] = "+15550999"
    response = designer.put(
        f"/api/pipelines/{pipeline['id']}/draft",
        {"graph": graph, "revision": detail["revision"]},
        content_type=JSON,
    )
    assert response.status_code == 200
    again = _run(designer, pipeline["id"])
    assert again["passed"] is True
    assert _tests(designer, pipeline["id"])["latest_run"]["id"] == again["id"]


def test_a_suite_that_cannot_run_is_refused_and_the_stored_one_kept(designer: Client) -> None:
    pipeline = _create(designer)
    before = _tests(designer, pipeline["id"])
    broken = {"scenarios": [{"id": "x", "name": "X", "steps": [{"kind": "say", "text": ""}]}]}
    response = _save(designer, pipeline["id"], broken, revision=before["revision"])
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "suite_invalid"
    assert body["error"]["details"][0]["scenario"] == "x"
    assert "needs the caller's words" in body["error"]["message"]
    assert _tests(designer, pipeline["id"])["suite"] == before["suite"]


def test_a_save_from_a_stale_copy_is_refused(designer: Client) -> None:
    pipeline = _create(designer)
    revision = _tests(designer, pipeline["id"])["revision"]
    assert _save(designer, pipeline["id"], {"scenarios": [HUMAN]}, revision).status_code == 200
    stale = _save(designer, pipeline["id"], {"scenarios": []}, revision)
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_suite"


def test_unknown_nodes_are_reported_not_refused(designer: Client) -> None:
    pipeline = _create(designer)
    scenario = copy.deepcopy(HUMAN)
    scenario["steps"][0]["expect"].append({"kind": "visited", "nodes": ["nowhere"]})
    response = _save(designer, pipeline["id"], {"scenarios": [scenario]}, revision=2)
    assert response.status_code == 200
    assert "'nowhere'" in response.json()["problems"][0]["message"]


def test_the_publish_gate_refuses_a_failing_suite_and_publishes_a_passing_one(
    designer: Client,
) -> None:
    pipeline = _create(designer, "outbound_reminder")
    suite = {"scenarios": [_wrong(CONFIRM)], "require_passing_to_publish": True}
    assert _save(designer, pipeline["id"], suite, revision=2).status_code == 200
    publish = designer.post(f"/api/pipelines/{pipeline['id']}/publish", {}, content_type=JSON)
    assert publish.status_code == 422
    error = publish.json()["error"]
    assert error["code"] == "suite_failed"
    assert "1 of 1 failed" in error["message"]
    assert Pipeline.objects.get(pk=pipeline["id"]).versions.count() == 0
    suite["scenarios"] = [CONFIRM]
    assert _save(designer, pipeline["id"], suite, revision=3).status_code == 200
    publish = designer.post(f"/api/pipelines/{pipeline['id']}/publish", {}, content_type=JSON)
    assert publish.status_code == 201, publish.content


def test_a_stored_suite_that_no_longer_parses_is_served_with_its_problems(
    designer: Client,
) -> None:
    """The API carries the suite as JSON: a document a newer spec refuses still reaches the
    editor, with what to fix, instead of failing the page."""
    pipeline = _create(designer)
    _tests(designer, pipeline["id"])  # the suite exists
    stale = {"scenarios": [{"id": "x", "name": "X", "steps": [{"kind": "sing"}]}]}
    FlowSuite.objects.filter(pipeline_id=pipeline["id"]).update(document=stale)
    served = _tests(designer, pipeline["id"])
    assert served["suite"] == stale
    assert served["problems"][0]["scenario"] == "x"


def test_the_openapi_describes_suites_and_their_results() -> None:
    """What the frontend's generated types are made of: the suite's parts, each expectation
    told apart by its kind, and a run's results down to each step's failures."""
    components = api.get_openapi_schema()["components"]["schemas"]
    said = components["SaidExpectation"]
    assert said["required"][0] == "kind"
    assert said["properties"]["kind"]["const"] == "said"
    assert "Scenario" in str(components["SuiteOut"]["properties"]["suite"])
    assert components["RunOut"]["properties"]["result"]["$ref"].endswith("/SuiteResultOut")
    step = components["StepResultOut"]["properties"]
    assert step["failures"]["items"]["$ref"].endswith("/FailureOut")


def test_a_version_keeps_its_suite_and_runs_by_it(designer: Client) -> None:
    pipeline = _create(designer, "outbound_reminder")
    assert _save(designer, pipeline["id"], {"scenarios": [CONFIRM]}, revision=2).status_code == 200
    publish = designer.post(f"/api/pipelines/{pipeline['id']}/publish", {}, content_type=JSON)
    assert publish.status_code == 201, publish.content
    # The draft's suite moves on; version 1 keeps the one it was published with.
    other = _wrong(CONFIRM) | {"id": "other", "name": "Other"}
    assert _save(designer, pipeline["id"], {"scenarios": [other]}, revision=3).status_code == 200
    assert (
        FlowSuiteVersion.objects.get(version__number=1).document["scenarios"][0]["id"] == "confirm"
    )
    run = _run(designer, pipeline["id"], version=1)
    assert run["version"] == "1"
    assert [s["scenario_id"] for s in run["result"]["scenarios"]] == ["confirm"]
    assert run["passed"]
    restored = designer.post(f"/api/pipelines/{pipeline['id']}/versions/1/restore")
    assert restored.status_code == 200
    assert [s["id"] for s in _tests(designer, pipeline["id"])["suite"]["scenarios"]] == ["confirm"]
    assert _run(designer, pipeline["id"])["passed"]


def test_export_and_import_carry_the_suite(designer: Client) -> None:
    pipeline = _create(designer)
    exported = designer.get(f"/api/pipelines/{pipeline['id']}/export").json()
    assert len(exported["tests"]["scenarios"]) == 4
    imported = designer.post("/api/pipelines/import", exported, content_type=JSON)
    assert imported.status_code == 201, imported.content
    suite = _tests(designer, imported.json()["id"])
    assert suite["suite"] == exported["tests"]
    duplicate = designer.post(f"/api/pipelines/{pipeline['id']}/duplicate").json()
    assert _tests(designer, duplicate["id"])["suite"] == exported["tests"]


def test_a_drafted_scenario_for_a_branch_reaches_it(designer: Client) -> None:
    pipeline = _create(designer)
    response = designer.post(
        f"/api/pipelines/{pipeline['id']}/tests/draft-for-branch",
        {"node_id": "classify", "handle": "intent:support"},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reaches"] is True
    assert body["scenario"]["steps"][0]["expect"] == [
        {"kind": "branch", "node": "classify", "output": "intent:support"}
    ]
    missing = designer.post(
        f"/api/pipelines/{pipeline['id']}/tests/draft-for-branch",
        {"node_id": "classify", "handle": "intent:nothing"},
        content_type=JSON,
    )
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "no_path_to_branch"


def test_roles_and_workspaces_are_checked(
    designer: Client, client_as: Callable[[Role], Client]
) -> None:
    pipeline = _create(designer)
    finance = client_as(Role.FINANCE)
    assert finance.get(f"/api/pipelines/{pipeline['id']}/tests").status_code == 403
    admin = client_as(Role.ADMIN)
    assert admin.get(f"/api/pipelines/{pipeline['id']}/tests").status_code == 200
    assert (
        admin.post(f"/api/pipelines/{pipeline['id']}/tests/run", {}, content_type=JSON).status_code
        == 403
    )
    stranger = User.objects.create_user("stranger", "s@example.com", "pw-stranger-123")
    workspace_create(name="Elsewhere", owner=stranger)
    outsider = Client()
    outsider.force_login(stranger)
    assert outsider.get(f"/api/pipelines/{pipeline['id']}/tests").status_code == 404
