"""Sign-in, sign-out and the app shell behind sign-in."""

from __future__ import annotations

import re
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


def test_api_docs_work_offline_with_assets_served_by_betool(client: Client) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn." not in html
    assert "unpkg" not in html
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_the_favicon_is_an_icon_not_the_app(client: Client) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert icon.content.startswith(b"<svg")
    assert 'rel="icon"' in client.get("/login/").content.decode()
