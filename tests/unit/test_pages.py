"""Sign-in, sign-out and the app shell behind sign-in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from betool.models import User
from betool.roles import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_app_requires_sign_in() -> None:
    response = Client().get("/pipelines/3")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_sign_in_lands_on_the_app(client_as: Callable[[Role], Client]) -> None:
    client = Client()
    client_as(Role.DESIGNER)  # creates the user
    response = client.post(
        "/login/", {"username": "designer-user", "password": PASSWORD}, follow=False
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code in (200, 503)  # 503 explains how to build the frontend
    assert b"betool" in home.content


def test_wrong_password_says_so() -> None:
    User.objects.create_user("zed", password=PASSWORD)
    response = Client().post("/login/", {"username": "zed", "password": "nope"})
    assert response.status_code == 200
    assert b"do not match" in response.content


def test_sign_out_ends_the_session(client_as: Callable[[Role], Client]) -> None:
    client = client_as(Role.DESIGNER)
    assert client.post("/logout/").status_code == 200
    assert client.get("/api/me").status_code == 401


def test_user_without_workspace_is_told() -> None:
    User.objects.create_user("loner", password=PASSWORD)
    client = Client()
    client.login(username="loner", password=PASSWORD)
    response = client.get("/")
    assert response.status_code == 403
    assert b"No workspace" in response.content


def test_health_reports_each_dependency() -> None:
    body = Client().get("/api/health").json()
    assert body["database"]["status"] == "ok"
    assert {"redis", "livekit", "status"} <= body.keys()
