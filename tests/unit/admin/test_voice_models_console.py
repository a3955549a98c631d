"""Voice models as the admin console uses them: a connection test that answers, a catalog
before saving, one default language model, and usage counters of each configuration."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from betool.models import LedgerEntry, LedgerKind, Workspace
from betool.roles import Role
from pipelines.providers import provider_registry
from tests.fakes.catalog_servers import GOOD_KEY, catalog_server
from tests.fakes.llm_servers import FakeOpenAIServer, ScriptedReply
from tests.fakes.threaded import serve_in_thread
from tests.unit.pipelines.graphs import chain, collect, conversation, document, node, start
from voice_models.metering import usage_report_apply
from voice_models.models import VoiceModel
from voice_models.selectors import default_llm_for, llm_configs

pytestmark = pytest.mark.django_db
ClientAs = Callable[[Role], Client]


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def create(client: Client, **fields: Any) -> dict[str, Any]:
    body = {"name": "Mini", "kind": "llm", "provider": "openai", "model": "gpt-4o-mini"} | fields
    response = post(client, "/api/voice-models", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_connection_test_answers_with_the_result_its_latency_and_the_catalog(
    client_as: ClientAs,
) -> None:
    admin = client_as(Role.ADMIN)
    with serve_in_thread(catalog_server) as base:
        good = create(admin, name="Good", base_url=f"{base}/v1", api_key=GOOD_KEY)
        bad = create(admin, name="Bad", base_url=f"{base}/v1", api_key="sk-wrong")
        passed = post(admin, f"/api/voice-models/{good['id']}/test")
        failed = post(admin, f"/api/voice-models/{bad['id']}/test")
    assert passed.status_code == 200, passed.content
    body = passed.json()
    assert body["ok"] is True
    assert body["ms"] > 0
    assert {"id": "gpt-4o-mini", "name": "gpt-4o-mini"} in body["models"]
    assert failed.status_code == 200
    assert failed.json()["ok"] is False
    assert "key" in failed.json()["message"]
    designer = client_as(Role.DESIGNER)
    assert post(designer, f"/api/voice-models/{good['id']}/test").status_code == 403


def test_the_catalog_of_an_unsaved_configuration_or_with_a_stored_key(
    client_as: ClientAs,
) -> None:
    admin = client_as(Role.ADMIN)
    with serve_in_thread(catalog_server) as base:
        fresh = post(
            admin,
            "/api/voice-models/catalog",
            {"kind": "llm", "provider": "openai_compatible", "base_url": f"{base}/v1",
             "api_key": GOOD_KEY},
        )  # fmt: skip
        stored = create(admin, base_url=f"{base}/v1", api_key=GOOD_KEY)
        reused = post(
            admin,
            "/api/voice-models/catalog",
            {"kind": "llm", "provider": "openai", "base_url": f"{base}/v1",
             "voice_model_id": stored["id"]},
        )  # fmt: skip
    assert fresh.json()["ok"] is True
    assert [m["id"] for m in fresh.json()["models"]] == ["gpt-4o-mini", "gpt-4o"]
    assert reused.json()["ok"] is True


def test_one_language_model_is_the_workspace_default(
    client_as: ClientAs, workspace: Workspace
) -> None:
    admin = client_as(Role.ADMIN)
    first = create(admin, name="First")
    second = create(admin, name="Second", model="gpt-4o")
    tts = create(admin, name="Voice", kind="tts", provider="local_espeak", model="")
    unmarked = default_llm_for(workspace=workspace)
    assert unmarked is not None
    assert unmarked.name == "First"  # none marked: the first enabled one, as sessions take it
    assert post(admin, f"/api/voice-models/{first['id']}/default").json()["is_default"] is True
    made = post(admin, f"/api/voice-models/{second['id']}/default")
    assert made.status_code == 200
    listed = {m["name"]: m["is_default"] for m in admin.get("/api/voice-models").json()}
    assert listed == {"First": False, "Second": True, "Voice": False}
    default = default_llm_for(workspace=workspace)
    assert default is not None
    assert default.name == "Second"
    assert llm_configs(workspace=workspace)[0].name == "Second"  # sessions fall back to it
    refused = post(admin, f"/api/voice-models/{tts['id']}/default")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "not_a_language_model"
    designer = client_as(Role.DESIGNER)
    assert post(designer, f"/api/voice-models/{first['id']}/default").status_code == 403


def counters(client: Client, name: str) -> dict[str, Any]:
    listed = client.get("/api/voice-models").json()
    usage: dict[str, Any] = next(m["usage"] for m in listed if m["name"] == name)
    return usage


def test_counters_belong_to_each_configuration_not_to_the_model_name(
    client_as: ClientAs, workspace: Workspace
) -> None:
    admin = client_as(Role.ADMIN)
    # Usage recorded under the bare model id, before any configuration existed.
    LedgerEntry.objects.create(
        workspace=workspace, source="old", kind=LedgerKind.LLM_INPUT_TOKENS,
        model_name="gpt-4o-mini", quantity=Decimal(139_750), credits=Decimal(-1),
        occurred_at=timezone.now(),
    )  # fmt: skip
    create(admin, name="Fast")
    create(admin, name="Private", provider="openai_compatible")  # the same model id
    now = timezone.now()
    usage_report_apply(
        workspace=workspace, source="call-1", sequence=1,
        usage={"llm_tokens": {"Fast": {"input_tokens": 100, "output_tokens": 20}}},
        priced_on=now.date(), occurred_at=now,
    )  # fmt: skip
    last_year = now - timedelta(days=400)
    usage_report_apply(
        workspace=workspace, source="call-0", sequence=1,
        usage={"llm_tokens": {"Fast": {"input_tokens": 5, "output_tokens": 0}}},
        priced_on=last_year.date(), occurred_at=last_year,
    )  # fmt: skip
    fast = counters(admin, "Fast")
    assert (Decimal(fast["today"]), Decimal(fast["month"]), Decimal(fast["total"])) == (
        120,
        120,
        125,
    )
    assert Decimal(counters(admin, "Private")["total"]) == 0


def test_a_price_for_the_model_id_still_prices_a_configurations_usage(
    client_as: ClientAs, workspace: Workspace
) -> None:
    admin = client_as(Role.ADMIN)
    create(admin, name="Fast")
    today = timezone.localdate()
    price = {"kind": "llm_input_tokens", "model_name": "gpt-4o-mini", "credits": "10",
             "effective_from": today.isoformat()}  # fmt: skip
    assert post(admin, "/api/prices", price).status_code == 201
    spent = usage_report_apply(
        workspace=workspace, source="call-2", sequence=1,
        usage={"llm_tokens": {"Fast": {"input_tokens": 1000, "output_tokens": 0}}},
        priced_on=today, occurred_at=timezone.now(),
    )  # fmt: skip
    assert spent == Decimal("10.00")


async def test_a_session_books_llm_usage_under_the_configuration_name() -> None:
    from voice_models.adapters import ModelConfig

    reply = ScriptedReply(text=["Hello there."], input_tokens=11, output_tokens=3)
    async with FakeOpenAIServer([reply]) as server:
        config = ModelConfig(
            name="Front desk mini", kind="llm", provider="openai_compatible",
            model="gpt-4o-mini", base_url=f"{server.url}/v1",
        )  # fmt: skip
        providers = provider_registry(llm_configs=[config])
        doc = document(
            [start(), node("a", "agent", mission="Help.", model="Front desk mini")],
            chain("start", "a"),
        )
        events = await collect(conversation(doc, providers=providers).run_turn("hi"))
        await providers.aclose()
    usage = events[-1].as_dict()["usage"]
    assert usage["llm"] == {"Front desk mini": {"input_tokens": 11, "output_tokens": 3}}


def test_the_admin_console_pages_list_only_this_workspaces_voice_models(
    client_as: ClientAs, workspace: Workspace
) -> None:
    from betool.models import User
    from betool.services import workspace_create

    other = workspace_create(name="Other", owner=User.objects.create_user("o"))
    VoiceModel.objects.create(workspace=other, name="Theirs", kind="llm", provider="openai")
    create(client_as(Role.ADMIN), name="Ours")
    names = [m["name"] for m in client_as(Role.DESIGNER).get("/api/voice-models").json()]
    assert names == ["Ours"]
