"""Voice models through the API: credentials are encrypted at rest and never sent back."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from betool.roles import Role
from voice_models.models import VoiceModel

pytestmark = pytest.mark.django_db
SECRET = "sk-live-7f3a9c-very-secret"
JSON = "application/json"


def _create(client: Client, **overrides: object) -> dict[str, object]:
    body = {"name": "GPT mini", "kind": "llm", "provider": "openai", "model": "gpt-4o-mini",
            "api_key": SECRET} | overrides  # fmt: skip
    response = client.post("/api/voice-models", body, content_type=JSON)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_stored_key_is_not_readable_in_the_raw_row_nor_returned(
    client_as: Callable[[Role], Client],
) -> None:
    admin = client_as(Role.ADMIN)
    created = _create(admin)
    assert created["has_api_key"] is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM voice_models_voicemodel WHERE id = %s", [created["id"]])
        raw = cursor.fetchone()[0]
    assert SECRET not in raw
    assert raw.startswith("fernet:")
    assert VoiceModel.objects.get(pk=created["id"]).api_key == SECRET

    responses = [
        admin.get("/api/voice-models"),
        admin.patch(f"/api/voice-models/{created['id']}", {"name": "Renamed"}, content_type=JSON),
        admin.get("/api/openapi.json"),
        client_as(Role.DESIGNER).get("/api/voice-models"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert SECRET not in response.content.decode()
    listed = json.loads(responses[0].content)[0]
    assert "api_key" not in listed


def test_patch_keeps_or_replaces_or_removes_the_key(client_as: Callable[[Role], Client]) -> None:
    admin = client_as(Role.ADMIN)
    created = _create(admin)
    url = f"/api/voice-models/{created['id']}"
    assert admin.patch(url, {"voice": "x"}, content_type=JSON).json()["has_api_key"] is True
    admin.patch(url, {"api_key": "sk-new"}, content_type=JSON)
    assert VoiceModel.objects.get(pk=created["id"]).api_key == "sk-new"
    assert admin.patch(url, {"api_key": ""}, content_type=JSON).json()["has_api_key"] is False


def test_a_provider_that_cannot_do_the_kind_is_refused(client_as: Callable[[Role], Client]) -> None:
    response = client_as(Role.ADMIN).post(
        "/api/voice-models",
        {"name": "x", "kind": "llm", "provider": "elevenlabs"},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "provider_cannot_do_kind"


def test_designers_read_but_cannot_change_voice_models(
    client_as: Callable[[Role], Client],
) -> None:
    created = _create(client_as(Role.ADMIN))
    designer = client_as(Role.DESIGNER)
    assert designer.get("/api/voice-models").status_code == 200
    assert designer.delete(f"/api/voice-models/{created['id']}").status_code == 403
    assert VoiceModel.objects.filter(pk=created["id"]).exists()


def test_usage_counters_count_units_by_model_today_month_and_in_all(
    client_as: Callable[[Role], Client],
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from betool.models import Workspace
    from voice_models.metering import usage_report_apply

    admin = client_as(Role.ADMIN)
    created = _create(admin, name="Espeak", kind="tts", provider="local_espeak", api_key="")
    workspace = Workspace.objects.get(name="Acme Support")
    for source, days_ago, characters in [("a", 0, 120), ("b", 0, 30), ("c", 40, 1000)]:
        when = timezone.now() - timedelta(days=days_ago)
        usage_report_apply(workspace=workspace, source=source, sequence=1,
                           usage={"tts_characters": characters}, priced_on=when.date(),
                           occurred_at=when, tts_model="Espeak")  # fmt: skip
    usage = next(m for m in admin.get("/api/voice-models").json() if m["id"] == created["id"])
    assert Decimal(usage["usage"]["today"]) == 150
    assert Decimal(usage["usage"]["month"]) == 150  # 40 days ago is never this month
    assert Decimal(usage["usage"]["total"]) == 1150
    assert usage["usage"]["unit"] == "characters"


def test_the_admin_lists_voice_models_with_their_counters(
    client_as: Callable[[Role], Client],
) -> None:
    from betool.models import User

    _create(client_as(Role.ADMIN))
    owner = User.objects.get(username="owner")
    owner.is_staff = owner.is_superuser = True
    owner.save()
    browser = Client()
    browser.force_login(owner)
    page = browser.get("/admin/voice_models/voicemodel/")
    assert page.status_code == 200
    assert b"GPT mini" in page.content
    assert b"This month" in page.content
    assert (
        SECRET.encode()
        not in browser.get(
            f"/admin/voice_models/voicemodel/{VoiceModel.objects.get().pk}/change/"
        ).content
    )
