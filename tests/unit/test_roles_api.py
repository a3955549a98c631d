"""The role matrix: every role against every area of the API, allowed and refused.

The expected table is written out here by hand (not derived from betool.roles), so that a
change to the permissions has to be made twice, on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from betool.roles import Role

OWN, ADM, DES, FIN = Role.OWNER, Role.ADMIN, Role.DESIGNER, Role.FINANCE

# (area, method, path, body, roles allowed)
AREAS: list[tuple[str, str, str, dict[str, Any] | None, set[Role]]] = [
    ("read pipelines", "get", "/api/pipelines", None, {OWN, ADM, DES}),
    ("create pipelines", "post", "/api/pipelines", {"name": "Matrix"}, {OWN, DES}),
    ("node types", "get", "/api/pipelines/node-types", None, {OWN, ADM, DES}),
    ("manage members", "get", "/api/members", None, {OWN, ADM}),
    ("read usage", "get", "/api/credits/balance", None, {OWN, ADM, FIN}),
    (
        "top up",
        "post",
        "/api/credits/entries",
        {"credits": "10", "reason": "matrix"},
        {OWN, FIN},
    ),
    ("own tokens", "get", "/api/tokens", None, {OWN, ADM, DES, FIN}),
    ("read usage by day", "get", "/api/credits/usage", None, {OWN, ADM, FIN}),
    ("export usage", "get", "/api/credits/usage.csv", None, {OWN, ADM, FIN}),
    ("read voice models", "get", "/api/voice-models", None, {OWN, ADM, DES}),
    (
        "add voice models",
        "post",
        "/api/voice-models",
        {"name": "espeak", "kind": "tts", "provider": "local_espeak"},
        {OWN, ADM},
    ),
    ("read prices", "get", "/api/prices", None, {OWN, ADM, FIN}),
    (
        "set prices",
        "post",
        "/api/prices",
        {"kind": "call_seconds", "credits": "180", "effective_from": "2026-12-01"},
        {OWN, ADM},
    ),
    ("who am I", "get", "/api/me", None, {OWN, ADM, DES, FIN}),
]


def _call(client: Client, method: str, path: str, body: dict[str, Any] | None) -> Any:
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("area", "method", "path", "body", "allowed"), AREAS)
def test_role_matrix(
    client_as: Callable[[Role], Client],
    role: Role,
    area: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    allowed: set[Role],
) -> None:
    response = _call(client_as(role), method, path, body)
    if role in allowed:
        assert response.status_code in (200, 201), (area, role, response.content)
    else:
        assert response.status_code == 403, (area, role, response.content)
        assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_token_auth_follows_the_same_matrix(
    token_client: Callable[[Role], Client], role: Role
) -> None:
    response = token_client(role).get("/api/members")
    assert response.status_code == (200 if role in {OWN, ADM} else 403)


@pytest.mark.django_db
def test_anonymous_is_refused_with_the_error_shape() -> None:
    response = Client().get("/api/pipelines")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_revoked_or_unknown_token_is_refused(token_client: Callable[[Role], Client]) -> None:
    assert Client(HTTP_AUTHORIZATION="Bearer btk_nope").get("/api/me").status_code == 401
    client = token_client(Role.DESIGNER)
    token_id = client.get("/api/tokens").json()[0]["id"]
    assert client.delete(f"/api/tokens/{token_id}").status_code == 204
    assert client.get("/api/me").status_code == 401


@pytest.mark.django_db
def test_session_writes_need_the_csrf_token(client_as: Callable[[Role], Client]) -> None:
    client = client_as(Role.DESIGNER)
    del client.defaults["HTTP_X_CSRFTOKEN"]
    response = client.post("/api/pipelines", {"name": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)
