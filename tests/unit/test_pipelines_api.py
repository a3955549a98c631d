"""The pipelines API: drafts with conflict detection, publish, versions, diff, import/export."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from betool.models import User
from betool.roles import Role
from betool.services import workspace_create
from pipelines.models import Pipeline, PipelineVersion
from voice_models.models import VoiceModel

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def designer(client_as: Callable[[Role], Client]) -> Client:
    return client_as(Role.DESIGNER)


def _create(client: Client, **body: Any) -> dict[str, Any]:
    response = client.post("/api/pipelines", {"name": "Support line", **body}, content_type=JSON)
    assert response.status_code == 201, response.content
    return response.json()


def _with_say(graph: dict[str, Any], text: str = "Thanks for calling.") -> dict[str, Any]:
    graph = copy.deepcopy(graph)
    graph["nodes"].append(
        {
            "id": "say1",
            "type": "say",
            "position": {"x": 300, "y": 200},
            "data": {"label": "Say", "config": {"text": text}},
        }
    )
    graph["edges"].append(
        {
            "id": "e1",
            "source": "start",
            "sourceHandle": "out",
            "target": "say1",
            "targetHandle": "in",
        }
    )
    return graph


def _save(client: Client, pipeline: dict[str, Any], graph: dict[str, Any], revision: int) -> Any:
    return client.put(
        f"/api/pipelines/{pipeline['id']}/draft",
        {"graph": graph, "revision": revision},
        content_type=JSON,
    )


def test_create_blank_has_a_start_node_and_no_version(designer: Client) -> None:
    created = _create(designer)
    assert [n["type"] for n in created["graph"]["nodes"]] == ["start"]
    assert created["published_version"] is None
    assert created["has_unpublished_changes"] is True


def test_save_bumps_revision_and_a_stale_save_is_refused_with_the_current_draft(
    designer: Client,
) -> None:
    pipeline = _create(designer)
    mine = _with_say(pipeline["graph"], "Mine")
    first = _save(designer, pipeline, mine, pipeline["revision"])
    assert first.status_code == 200, first.content
    assert first.json()["revision"] == pipeline["revision"] + 1

    theirs = _with_say(pipeline["graph"], "Theirs")
    stale = _save(designer, pipeline, theirs, pipeline["revision"])
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "stale_draft"
    assert error["details"]["revision"] == pipeline["revision"] + 1
    say = next(n for n in error["details"]["graph"]["nodes"] if n["id"] == "say1")
    assert say["data"]["config"]["text"] == "Mine"
    stored = Pipeline.objects.get(pk=pipeline["id"]).draft
    assert next(n for n in stored["nodes"] if n["id"] == "say1")["data"]["config"]["text"] == "Mine"


def test_draft_save_returns_problems_without_refusing(designer: Client) -> None:
    pipeline = _create(designer)
    graph = copy.deepcopy(pipeline["graph"])
    graph["nodes"].append(
        {
            "id": "lost",
            "type": "say",
            "position": {"x": 0, "y": 0},
            "data": {"config": {"text": "nobody reaches me"}},
        }
    )
    response = _save(designer, pipeline, graph, pipeline["revision"])
    assert response.status_code == 200
    assert any(p["node_id"] == "lost" for p in response.json()["problems"])


def test_publish_refuses_an_invalid_graph_with_every_problem(designer: Client) -> None:
    pipeline = _create(designer)
    graph = copy.deepcopy(pipeline["graph"])
    graph["nodes"] = []  # no Start at all
    _save(designer, pipeline, graph, pipeline["revision"])
    response = designer.post(
        f"/api/pipelines/{pipeline['id']}/publish", {"note": "x"}, content_type=JSON
    )
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "graph_invalid"
    assert body["details"]
    assert not PipelineVersion.objects.exists()


def test_publish_numbers_versions_and_restore_brings_one_back(designer: Client) -> None:
    pipeline = _create(designer)
    base = pipeline["id"]
    _save(designer, pipeline, _with_say(pipeline["graph"], "One"), pipeline["revision"])
    v1 = designer.post(f"/api/pipelines/{base}/publish", {"note": "first"}, content_type=JSON)
    assert v1.status_code == 201, v1.content
    assert v1.json()["number"] == 1

    current = designer.get(f"/api/pipelines/{base}").json()
    assert current["has_unpublished_changes"] is False
    assert current["published_version"]["number"] == 1
    _save(designer, current, _with_say(pipeline["graph"], "Two"), current["revision"])
    v2 = designer.post(f"/api/pipelines/{base}/publish", {"note": "second"}, content_type=JSON)
    assert v2.json()["number"] == 2

    versions = designer.get(f"/api/pipelines/{base}/versions").json()
    assert [(v["number"], v["note"]) for v in versions] == [(2, "second"), (1, "first")]
    diff = designer.get(f"/api/pipelines/{base}/diff?base=1&target=2").json()
    assert diff["nodes"]["changed"] == [{"id": "say1", "fields": ["config.text"]}]

    restored = designer.post(f"/api/pipelines/{base}/versions/1/restore").json()
    say = next(n for n in restored["graph"]["nodes"] if n["id"] == "say1")
    assert say["data"]["config"]["text"] == "One"
    assert restored["has_unpublished_changes"] is True
    # published versions are immutable: v2 still says "Two"
    v2_graph = designer.get(f"/api/pipelines/{base}/versions/2").json()["graph"]
    assert next(n for n in v2_graph["nodes"] if n["id"] == "say1")["data"]["config"]["text"] == (
        "Two"
    )


def test_export_then_import_round_trips_and_migrates_old_schema(designer: Client) -> None:
    pipeline = _create(designer)
    _save(designer, pipeline, _with_say(pipeline["graph"]), pipeline["revision"])
    exported = designer.get(f"/api/pipelines/{pipeline['id']}/export").json()
    assert exported["format"] == "betool.pipeline"
    imported = designer.post("/api/pipelines/import", exported, content_type=JSON)
    assert imported.status_code == 201
    assert {n["id"] for n in imported.json()["graph"]["nodes"]} == {"start", "say1"}

    old = {
        "format": "betool.pipeline",
        "name": "Old one",
        "graph": {
            "schema_version": 1,
            "nodes": [
                {
                    "id": "s",
                    "type": "start",
                    "position": {"x": 0, "y": 0},
                    "data": {"label": "Start", "receiver": "phone_gateway"},
                }
            ],
            "edges": [],
        },
    }
    migrated = designer.post("/api/pipelines/import", old, content_type=JSON).json()
    node = migrated["graph"]["nodes"][0]
    assert node["data"] == {"label": "Start", "config": {"receiver": "phone_gateway"}}
    assert migrated["graph"]["schema_version"] >= 2


@pytest.mark.parametrize(
    "document",
    [
        {"format": "something-else", "graph": {}},
        {"format": "betool.pipeline", "graph": {"schema_version": 999}},
        {"format": "betool.pipeline", "graph": {"schema_version": "one"}},
    ],
)
def test_import_of_a_bad_file_is_a_clear_422(designer: Client, document: dict[str, Any]) -> None:
    response = designer.post("/api/pipelines/import", document, content_type=JSON)
    assert response.status_code == 422
    assert response.json()["error"]["message"]
    assert not Pipeline.objects.exists()


def test_duplicate_rename_delete_and_search(designer: Client) -> None:
    pipeline = _create(designer, description="Answers the main line")
    copy_ = designer.post(f"/api/pipelines/{pipeline['id']}/duplicate").json()
    assert copy_["name"] == "Support line (copy)"
    renamed = designer.patch(
        f"/api/pipelines/{copy_['id']}", {"name": "Sales line"}, content_type=JSON
    ).json()
    assert renamed["name"] == "Sales line"
    assert [p["name"] for p in designer.get("/api/pipelines?search=sales").json()] == ["Sales line"]
    assert designer.delete(f"/api/pipelines/{copy_['id']}").status_code == 204
    assert designer.get(f"/api/pipelines/{copy_['id']}").status_code == 404


def _local_server(workspace: Any) -> VoiceModel:
    return VoiceModel.objects.create(
        workspace=workspace, name="Local server", kind="llm", provider="openai_compatible",
        model="qwen2.5", base_url="http://127.0.0.1:8080/v1",
    )  # fmt: skip


def test_templates_are_listed_valid_and_publishable(designer: Client, workspace: Any) -> None:
    _local_server(workspace)
    templates = designer.get("/api/pipelines/templates").json()
    assert {"front_desk", "appointment_booking", "outbound_reminder"} <= {
        t["key"] for t in templates
    }
    for template in templates:
        created = _create(designer, template=template["key"])
        problems = designer.post(
            "/api/pipelines/validate", {"graph": created["graph"]}, content_type=JSON
        ).json()["problems"]
        assert [p for p in problems if p["severity"] == "error"] == [], template["key"]
        published = designer.post(
            f"/api/pipelines/{created['id']}/publish", {"note": "t"}, content_type=JSON
        )
        assert published.status_code == 201, (template["key"], published.content)


def test_unknown_template_is_refused(designer: Client) -> None:
    response = designer.post("/api/pipelines", {"name": "x", "template": "nope"}, content_type=JSON)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_template"


def test_another_workspace_cannot_see_or_touch_a_pipeline(designer: Client) -> None:
    pipeline = _create(designer)
    stranger = User.objects.create_user("stranger", password="x" * 12)
    workspace_create(name="Other", owner=stranger)
    other = Client()
    other.force_login(stranger)
    assert other.get(f"/api/pipelines/{pipeline['id']}").status_code == 404
    assert other.get("/api/pipelines").json() == []


def test_node_type_catalog_serves_json_schema(designer: Client) -> None:
    catalog = designer.get("/api/pipelines/node-types").json()
    types = {entry["type"] for entry in catalog}
    assert {
        "start",
        "agent",
        "classifier",
        "router",
        "say",
        "set_variables",
        "collect_digits",
        "http_request",
        "transfer",
        "hold",
        "hangup",
    } <= types
    say = next(entry for entry in catalog if entry["type"] == "say")
    assert say["config_schema"]["type"] == "object"


@pytest.mark.parametrize(
    "nodes", [None, [3], [{"data": 5}], [{"id": "a", "type": "say", "data": None}], "x"]
)
def test_malformed_old_schema_imports_get_a_verdict_not_a_500(
    designer: Client, nodes: object
) -> None:
    document = {"format": "betool.pipeline", "name": "Old",
                "graph": {"schema_version": 1, "nodes": nodes}}  # fmt: skip
    response = designer.post("/api/pipelines/import", document, content_type=JSON)
    assert response.status_code in (201, 422), response.content


@pytest.mark.parametrize("bad", [float("inf"), "nul \x00 inside"])
def test_a_graph_the_database_cannot_store_is_a_clear_422(designer: Client, bad: object) -> None:
    pipeline = _create(designer)
    graph = _with_say(pipeline["graph"])
    graph["nodes"][-1]["data"]["config"]["extra"] = bad
    response = _save(designer, pipeline, graph, pipeline["revision"])
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "graph_unreadable"
    assert Pipeline.objects.get(pk=pipeline["id"]).draft_revision == pipeline["revision"]


def _agent_graph(graph: dict[str, Any], model: str = "") -> dict[str, Any]:
    graph = copy.deepcopy(graph)
    graph["nodes"].append(
        {
            "id": "agent1",
            "type": "agent",
            "position": {"x": 300, "y": 200},
            "data": {"label": "Sales agent", "config": {"mission": "Sell.", "model": model}},
        }
    )
    graph["edges"].append(
        {
            "id": "e1",
            "source": "start",
            "sourceHandle": "out",
            "target": "agent1",
            "targetHandle": "in",
        }
    )
    return graph


def test_with_no_language_model_agents_are_marked_and_publish_is_refused(
    designer: Client,
) -> None:
    pipeline = _create(designer)
    saved = _save(designer, pipeline, _agent_graph(pipeline["graph"]), pipeline["revision"])
    problems = saved.json()["problems"]
    assert [(p["code"], p["node_id"], p["field"]) for p in problems] == [
        ("needs_language_model", "agent1", "model")
    ]
    refused = designer.post(f"/api/pipelines/{pipeline['id']}/publish", {}, content_type=JSON)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["code"] == "needs_language_model"


def test_a_configured_model_resolves_and_an_unknown_one_is_named(
    designer: Client, workspace: Any
) -> None:
    _local_server(workspace)
    pipeline = _create(designer)
    for model in ("", "Local server", "qwen2.5"):
        body = {"graph": _agent_graph(pipeline["graph"], model)}
        problems = designer.post("/api/pipelines/validate", body, content_type=JSON).json()
        assert problems["problems"] == [], model
    body = {"graph": _agent_graph(pipeline["graph"], "gpt-5")}
    problems = designer.post("/api/pipelines/validate", body, content_type=JSON).json()
    assert [p["code"] for p in problems["problems"]] == ["unknown_model"]


def test_a_disabled_model_does_not_count(designer: Client, workspace: Any) -> None:
    VoiceModel.objects.create(
        workspace=workspace,
        name="Off",
        kind="llm",
        provider="openai",
        model="gpt-4o",
        enabled=False,
    )
    pipeline = _create(designer)
    body = {"graph": _agent_graph(pipeline["graph"], "Off")}
    problems = designer.post("/api/pipelines/validate", body, content_type=JSON).json()
    assert [p["code"] for p in problems["problems"]] == ["needs_language_model"]
