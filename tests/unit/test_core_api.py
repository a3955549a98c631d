"""Members, roles, tokens and credits through the API; the common error shape for bad input."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from betool.models import LedgerEntry, Membership, User, Workspace
from betool.roles import Role
from betool.services import workspace_create

pytestmark = pytest.mark.django_db


def test_me_describes_role_and_permissions(client_as: Callable[[Role], Client]) -> None:
    body = client_as(Role.FINANCE).get("/api/me").json()
    assert body["role"] == "finance"
    assert "balance.manage" in body["permissions"]
    assert "pipelines.edit" not in body["permissions"]
    assert body["workspace"]["name"] == "Acme Support"


def test_admin_adds_a_designer_who_can_then_sign_in(client_as: Callable[[Role], Client]) -> None:
    response = client_as(Role.ADMIN).post(
        "/api/members",
        {
            "username": "dana",
            "email": "dana@example.com",
            "password": "a-long-password-1",
            "role": "designer",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Client().login(username="dana", password="a-long-password-1")


def test_admin_cannot_create_an_owner(client_as: Callable[[Role], Client]) -> None:
    response = client_as(Role.ADMIN).post(
        "/api/members",
        {"username": "eve", "password": "a-long-password-1", "role": "owner"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_last_owner_cannot_be_demoted(
    client_as: Callable[[Role], Client], member: Callable[[Role], Membership]
) -> None:
    owner = member(Role.OWNER)
    response = client_as(Role.OWNER).patch(
        f"/api/members/{owner.pk}", {"role": "admin"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "last_owner"


def test_members_of_another_workspace_are_invisible(
    client_as: Callable[[Role], Client], workspace: Workspace
) -> None:
    stranger = User.objects.create_user("stranger", password="x" * 12)
    other = workspace_create(name="Other", owner=stranger)
    other_membership = Membership.objects.get(workspace=other)
    client = client_as(Role.OWNER)
    assert stranger.username not in {m["username"] for m in client.get("/api/members").json()}
    response = client.delete(f"/api/members/{other_membership.pk}")
    assert response.status_code == 404
    assert Membership.objects.filter(pk=other_membership.pk).exists()


def test_workspace_header_cannot_reach_a_workspace_you_are_not_in(
    client_as: Callable[[Role], Client],
) -> None:
    stranger = User.objects.create_user("stranger2", password="x" * 12)
    other = workspace_create(name="Elsewhere", owner=stranger)
    response = client_as(Role.OWNER).get("/api/me", HTTP_X_BETOOL_WORKSPACE=other.slug)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "no_workspace"


def test_token_is_shown_once_and_stored_hashed(client_as: Callable[[Role], Client]) -> None:
    client = client_as(Role.DESIGNER)
    created = client.post("/api/tokens", {"name": "ci"}, content_type="application/json").json()
    raw = created["token"]
    assert raw.startswith("btk_")
    listed = client.get("/api/tokens").json()
    assert all("token" not in t for t in listed)
    from betool.models import ApiToken

    assert not ApiToken.objects.filter(digest=raw).exists()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/me").status_code == 200


def test_top_up_changes_the_balance(
    client_as: Callable[[Role], Client], workspace: Workspace
) -> None:
    client = client_as(Role.FINANCE)
    response = client.post(
        "/api/credits/entries",
        {"credits": "250.50", "reason": "Invoice 42"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert client.get("/api/credits/balance").json()["balance"] == "250.50"
    assert LedgerEntry.objects.get(workspace=workspace).created_by.username == "finance-user"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/members", {"username": "x", "password": "short", "role": "designer"}, "password"),
        (
            "/api/members",
            {"username": "ok-name", "password": "long-enough-1", "role": "king"},
            "role",
        ),
        ("/api/credits/entries", {"credits": "-5", "reason": "oops"}, None),
        ("/api/credits/entries", {"credits": "abc", "reason": "oops"}, "credits"),
        ("/api/tokens", {"name": ""}, "name"),
    ],
)
def test_bad_input_gets_a_4xx_in_the_common_shape(
    client_as: Callable[[Role], Client], path: str, body: dict[str, str], field: str | None
) -> None:
    response = client_as(Role.OWNER).post(path, body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"]
    if field:
        assert field in {d["field"] for d in error["details"]}


def test_malformed_json_is_a_4xx_not_a_500(client_as: Callable[[Role], Client]) -> None:
    response = client_as(Role.OWNER).post(
        "/api/tokens", "{not json", content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    assert "error" in response.json()
