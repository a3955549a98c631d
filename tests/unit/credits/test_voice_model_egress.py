"""Provider base URLs follow the egress policy, and a stored key never follows a new host."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from betool.roles import Role
from voice_models.adapters import ModelConfig
from voice_models.catalog import connection_test
from voice_models.models import VoiceModel

pytestmark = pytest.mark.django_db
SECRET = "sk-live-7f3a9c-very-secret"
JSON = "application/json"


def _create(client: Client, **overrides: object) -> Any:
    body = {"name": "Private", "kind": "llm", "provider": "openai_compatible",
            "model": "m", "api_key": SECRET, "base_url": "https://llm.example.com/v1",
            } | overrides  # fmt: skip
    return client.post("/api/voice-models", body, content_type=JSON)


def test_changing_only_the_host_requires_the_key_again(client_as: Callable[[Role], Client]) -> None:
    admin = client_as(Role.ADMIN)
    created = _create(admin).json()
    url = f"/api/voice-models/{created['id']}"

    moved = admin.patch(url, {"base_url": "https://attacker.example.net/v1"}, content_type=JSON)
    assert moved.status_code == 422
    assert moved.json()["error"]["code"] == "api_key_required_for_new_host"
    assert VoiceModel.objects.get(pk=created["id"]).base_url == "https://llm.example.com/v1"

    same_host = admin.patch(url, {"base_url": "https://llm.example.com/v2"}, content_type=JSON)
    assert same_host.status_code == 200
    with_key = admin.patch(
        url, {"base_url": "https://other.example.net/v1", "api_key": "sk-other"}, content_type=JSON
    )
    assert with_key.status_code == 200
    assert VoiceModel.objects.get(pk=created["id"]).api_key == "sk-other"


def test_a_catalog_look_up_does_not_take_the_stored_key_to_another_host(
    client_as: Callable[[Role], Client],
) -> None:
    admin = client_as(Role.ADMIN)
    created = _create(admin).json()
    look_up = admin.post(
        "/api/voice-models/catalog",
        {"kind": "llm", "provider": "openai_compatible",
         "base_url": "https://attacker.example.net/v1", "voice_model_id": created["id"]},
        content_type=JSON,
    )  # fmt: skip
    assert look_up.status_code == 422
    assert look_up.json()["error"]["code"] == "api_key_required_for_new_host"


@pytest.mark.parametrize(
    "base_url",
    ["http://127.1:8080/v1", "http://2130706433/v1", "http://localhost./v1", "http://10.0.0.5/v1"],
)
def test_private_base_urls_need_the_operators_opt_in(
    client_as: Callable[[Role], Client], settings: Any, base_url: str
) -> None:
    settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK = False
    refused = _create(client_as(Role.ADMIN), base_url=base_url)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "base_url_refused"
    assert "BETOOL_HTTP_ALLOW_PRIVATE_NETWORK" in refused.json()["error"]["message"]
    settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK = True
    assert _create(client_as(Role.ADMIN), base_url=base_url).status_code == 201


def test_metadata_hosts_are_refused_even_with_the_opt_in(
    client_as: Callable[[Role], Client],
) -> None:
    for base_url in ("http://169.254.169.254/v1", "http://metadata.google.internal./v1"):
        assert _create(client_as(Role.ADMIN), base_url=base_url).status_code == 422


def test_the_connection_test_checks_the_resolved_address(settings: Any) -> None:
    settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK = False
    config = ModelConfig(
        name="m", kind="llm", provider="openai", base_url="http://localhost:9/v1", api_key="k"
    )
    result = async_to_sync(connection_test)(config)
    assert not result.ok
    assert "may not connect" in result.message
