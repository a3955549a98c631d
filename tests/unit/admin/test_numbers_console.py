"""Numbers as the admin console sets them: a pinned version, voice models of the workspace
chosen by kind, the number's own concurrency limit, each refusal on its field."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from betool.models import User, Workspace
from betool.roles import Role
from betool.services import workspace_create
from pipelines.models import Pipeline, PipelineVersion
from telephony import selectors, services
from telephony.models import CallDirection, PhoneNumber
from tests.conftest import fund
from voice_models.models import VoiceModel

pytestmark = pytest.mark.django_db
ClientAs = Callable[[Role], Client]


@pytest.fixture(autouse=True)
def no_livekit(settings: Any) -> None:
    settings.LIVEKIT_ENABLED = False


@pytest.fixture
def pipeline(workspace: Workspace) -> Pipeline:
    pipeline = Pipeline.objects.create(workspace=workspace, name="Front desk", draft={})
    for n in (1, 2, 3):
        PipelineVersion.objects.create(pipeline=pipeline, number=n, graph={"n": n})
    return pipeline


def model(workspace: Workspace, name: str, kind: str, provider: str) -> VoiceModel:
    return VoiceModel.objects.create(workspace=workspace, name=name, kind=kind, provider=provider)


def send(client: Client, method: str, path: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def test_a_number_stays_on_its_pinned_version_with_its_chosen_models(
    client_as: ClientAs, workspace: Workspace, pipeline: Pipeline
) -> None:
    fund(workspace)
    asr = model(workspace, "Whisper", "asr", "local_whisper")
    tts = model(workspace, "Espeak", "tts", "local_espeak")
    llm = model(workspace, "Mini", "llm", "openai")
    admin = client_as(Role.ADMIN)
    body = {"e164": "+1 555 0100", "pipeline_id": pipeline.pk, "pinned_version": 2,
            "asr_model_id": asr.pk, "tts_model_id": tts.pk, "llm_model_id": llm.pk,
            "max_concurrent_calls": 3}  # fmt: skip
    created = send(admin, "post", "/api/numbers", body)
    assert created.status_code == 201, created.content
    out = created.json()
    assert (out["pinned_version"], out["asr_model_id"], out["llm_model_id"]) == (2, asr.pk, llm.pk)
    assert out["max_concurrent_calls"] == 3
    assert selectors.call_setup_resolve(number_e164="+15550100").version.number == 2

    unpinned = send(admin, "patch", f"/api/numbers/{out['id']}", {"pinned_version": None})
    assert unpinned.json()["pinned_version"] is None
    assert selectors.call_setup_resolve(number_e164="+15550100").version.number == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pinned_version": 9}, "pinned_version"),
        ({"asr_model_id": "tts"}, "asr_model_id"),
        ({"llm_model_id": "foreign"}, "llm_model_id"),
    ],
)
def test_a_wrong_version_or_voice_model_is_refused_on_its_field(
    client_as: ClientAs, workspace: Workspace, pipeline: Pipeline, change: dict[str, Any],
    field: str,
) -> None:  # fmt: skip
    other = workspace_create(name="Other", owner=User.objects.create_user("other"))
    ids = {
        "tts": model(workspace, "Espeak", "tts", "local_espeak").pk,
        "foreign": model(other, "Theirs", "llm", "openai").pk,
    }
    change = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    body = {"e164": "+15550100", "pipeline_id": pipeline.pk} | change
    response = send(client_as(Role.ADMIN), "post", "/api/numbers", body)
    assert response.status_code == 422, response.content
    assert field in [d["field"] for d in response.json()["error"]["details"]]
    assert not PhoneNumber.objects.exists()


def test_a_number_at_its_own_limit_takes_no_new_call_and_says_why(
    workspace: Workspace, pipeline: Pipeline
) -> None:
    fund(workspace)
    number = PhoneNumber.objects.create(
        workspace=workspace, e164="+15550100", pipeline=pipeline, max_concurrent_calls=1
    )
    services.call_start(
        workspace=workspace, room_name="call-a", direction=CallDirection.INBOUND,
        from_number="+15550111", to_number=number.e164, number=number,
        pipeline_version=pipeline.versions.first(),
    )  # fmt: skip
    setup = selectors.call_setup_resolve(number_e164="+15550100")
    with pytest.raises(selectors.CallRejected) as refused:
        services.call_admit(setup=setup, room_name="call-b")  # atomic, with the other limits
    assert refused.value.reason == "number_busy"
    assert "+15550100" in refused.value.message
    with pytest.raises(selectors.CallRejected):
        services.call_outbound_create(number=number, to_number="+15550199")


def test_a_call_runs_the_pinned_version_with_the_workspace_default_llm(
    workspace: Workspace, pipeline: Pipeline
) -> None:
    from pipelines.providers import provider_registry
    from telephony.worker.plan import load_plan

    fund(workspace)
    for name, is_default in (("Alpha", False), ("Zulu", True)):
        VoiceModel.objects.create(
            workspace=workspace, name=name, kind="llm", provider="openai_compatible",
            model="llama", base_url="http://127.0.0.1:9/v1", is_default=is_default,
        )  # fmt: skip
    number = PhoneNumber.objects.create(
        workspace=workspace, e164="+15550100", pipeline=pipeline,
        pinned_version=pipeline.versions.get(number=2),
    )  # fmt: skip
    plan = load_plan(
        room_name="call-x", metadata={}, attributes={"sip.trunkPhoneNumber": "+15550100"}
    )
    assert plan.version_number == 2
    assert plan.default_llm is None  # the number names none
    assert [m.name for m in plan.llms] == ["Zulu", "Alpha"]  # the default first
    registry = provider_registry(llm_configs=plan.llms, default_llm=plan.default_llm)
    # A node that names no configured model is answered by the workspace's default.
    assert getattr(registry.llm("unnamed"), "usage_name", None) == "Zulu"
    asyncio.run(registry.aclose())
    number.refresh_from_db()
    assert number.calls.get().pipeline_version.number == 2
