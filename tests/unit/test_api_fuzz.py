"""Any JSON sent to the graph endpoints gets an answer below 500: a verdict or a clear 4xx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from betool.roles import Role

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
node = st.fixed_dictionaries(
    {"id": st.text(max_size=8), "type": st.sampled_from(["start", "say", "router", "agent", "x"])},
    optional={"data": json_values, "position": json_values},
)
graphs = st.fixed_dictionaries(
    {},
    optional={
        "schema_version": st.integers(-1, 4) | st.text(max_size=3),
        "nodes": st.lists(node | json_values, max_size=5),
        "edges": st.lists(json_values, max_size=4),
        "settings": json_values,
    },
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(graph=graphs | json_values)
def test_validate_never_500(client_as: Callable[[Role], Client], graph: Any) -> None:
    response = client_as(Role.DESIGNER).post(
        "/api/pipelines/validate", {"graph": graph}, content_type="application/json"
    )
    assert response.status_code < 500, response.content


@FUZZ
@given(graph=graphs | json_values)
def test_draft_save_and_import_never_500(client_as: Callable[[Role], Client], graph: Any) -> None:
    client = client_as(Role.DESIGNER)
    created = client.post("/api/pipelines", {"name": "fuzz"}, content_type="application/json")
    pipeline = created.json()
    saved = client.put(
        f"/api/pipelines/{pipeline['id']}/draft",
        {"graph": graph, "revision": pipeline["revision"]},
        content_type="application/json",
    )
    assert saved.status_code < 500, saved.content
    imported = client.post(
        "/api/pipelines/import",
        {"format": "betool.pipeline", "graph": graph, "name": "x"},
        content_type="application/json",
    )
    assert imported.status_code < 500, imported.content
    published = client.post(f"/api/pipelines/{pipeline['id']}/publish", {"note": "n"},
                            content_type="application/json")  # fmt: skip
    assert published.status_code < 500, published.content
