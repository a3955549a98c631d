"""Input limits: each answered with a clear 4xx and the error shape, never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from betool.models import Membership
from betool.roles import Role
from pipelines.graph_limits import MAX_NODES
from pipelines.services import pipeline_create

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def pipeline(member: Callable[[Role], Membership]) -> Any:
    designer = member(Role.DESIGNER)
    return pipeline_create(workspace=designer.workspace, user=designer.user, name="P")


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    error = response.json()["error"]
    assert error["code"]
    assert error["message"]
    return error


def _put_draft(client: Client, pipeline: Any, graph: Any) -> Any:
    body = json.dumps({"graph": graph, "revision": pipeline.draft_revision})
    return client.put(f"/api/pipelines/{pipeline.pk}/draft", body, content_type=JSON)


def test_a_body_over_the_size_limit_is_413(
    client_as: Callable[[Role], Client], pipeline: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    graph = {"nodes": [], "edges": [], "viewport": {"x": 0, "y": 0, "zoom": 1}, "pad": "x" * 70_000}
    error = _error(_put_draft(client_as(Role.DESIGNER), pipeline, graph), 413)
    assert error["code"] == "payload_too_large"
    assert "64 KiB" in error["message"]


def test_deeply_nested_json_is_refused(client_as: Callable[[Role], Client], pipeline: Any) -> None:
    deep = '{"x": ' * 5000 + "0" + "}" * 5000
    body = f'{{"graph": {{"nodes": [], "edges": [], "viewport": {deep}}}, "revision": 1}}'
    response = client_as(Role.DESIGNER).put(
        f"/api/pipelines/{pipeline.pk}/draft", body, content_type=JSON
    )
    assert response.status_code in (413, 422)
    assert "deep" in _error(response, response.status_code)["message"]

    moderately: Any = {"zoom": 1}
    for _ in range(50):
        moderately = {"x": moderately}
    graph = {"nodes": [], "edges": [], "viewport": moderately}
    error = _error(_put_draft(client_as(Role.DESIGNER), pipeline, graph), 413)
    assert error["code"] == "graph_too_large"


def test_a_graph_with_too_many_nodes_is_413(
    client_as: Callable[[Role], Client], pipeline: Any
) -> None:
    nodes = [
        {"id": f"n{i}", "type": "say", "position": {"x": 0, "y": 0}, "data": {"config": {}}}
        for i in range(MAX_NODES + 1)
    ]
    graph = {"nodes": nodes, "edges": [], "viewport": {"x": 0, "y": 0, "zoom": 1}}
    designer = client_as(Role.DESIGNER)
    error = _error(_put_draft(designer, pipeline, graph), 413)
    assert error["code"] == "graph_too_large"
    assert f"{MAX_NODES:,}" in error["message"]
    validate = designer.post("/api/pipelines/validate", {"graph": graph}, content_type=JSON)
    assert _error(validate, 413)["code"] == "graph_too_large"


@pytest.mark.parametrize(
    "query",
    [
        f"offset={10**20}",
        f"pipeline_id={10**20}",
        f"limit={10**20}",
        "date_from=0392-11-07",
        "date_to=0001-01-01",
        "pipeline_id=-5",
    ],
)
def test_query_numbers_and_dates_out_of_range_are_422(
    client_as: Callable[[Role], Client], query: str
) -> None:
    _error(client_as(Role.ADMIN).get(f"/api/calls?{query}"), 422)


def test_ids_past_the_database_range_are_a_clean_4xx(
    client_as: Callable[[Role], Client],
) -> None:
    admin = client_as(Role.ADMIN)
    for path in (f"/api/pipelines/{10**20}", f"/api/calls/{10**20}"):
        response = admin.get(path)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        _error(response, response.status_code)


def test_the_pipeline_list_does_not_load_drafts(
    client_as: Callable[[Role], Client], pipeline: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client_as(Role.DESIGNER).get("/api/pipelines").status_code == 200
    listing = [q["sql"] for q in queries.captured_queries if "pipelines_pipeline" in q["sql"]]
    assert listing
    assert all('"draft"' not in sql.split("FROM")[0] for sql in listing if "SELECT" in sql)
