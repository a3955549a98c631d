"""POST /api/calls/voice-test: a room and token for the browser, a test Call for the draft."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from django.test import Client

from betool.models import Workspace
from betool.roles import Role
from pipelines.models import Pipeline, PipelineVersion
from telephony.models import Call
from telephony.worker.plan import load_plan

DRAFT = {
    "schema_version": 2,
    "nodes": [
        {"id": "start", "type": "start", "position": {"x": 0, "y": 0},
         "data": {"config": {"receiver": "phone_gateway", "greeting": "Draft speaking."}}},
    ],
    "edges": [],
}  # fmt: skip


@pytest.fixture
def pipeline(workspace: Workspace) -> Pipeline:
    pipeline = Pipeline.objects.create(workspace=workspace, name="P", draft=DRAFT)
    PipelineVersion.objects.create(pipeline=pipeline, number=1, graph={**DRAFT, "v": 1})
    return pipeline


@pytest.fixture
def livekit(settings: Any) -> Any:
    settings.LIVEKIT_URL = "ws://127.0.0.1:1"
    settings.LIVEKIT_API_KEY = "key"
    settings.LIVEKIT_API_SECRET = "secret-secret-secret-secret-secret"
    settings.LIVEKIT_ENABLED = True
    return settings


def post(client: Client, body: dict[str, Any]) -> Any:
    return client.post("/api/calls/voice-test", json.dumps(body), content_type="application/json")


def test_a_designer_gets_a_room_and_token_for_the_draft(
    client_as: Callable[[Role], Client], pipeline: Pipeline, livekit: Any
) -> None:
    response = post(client_as(Role.DESIGNER), {"pipeline_id": pipeline.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    claims = jwt.decode(body["token"], livekit.LIVEKIT_API_SECRET, algorithms=["HS256"])
    assert claims["video"]["room"] == body["room"]
    assert claims["video"]["roomJoin"] is True
    assert body["url"] == livekit.LIVEKIT_URL
    call = Call.objects.get(pk=body["call_id"])
    assert call.is_test is True
    assert call.pipeline == pipeline
    assert call.pipeline_version is None
    # The worker runs the draft for this call.
    plan = load_plan(room_name=body["room"], metadata={"call_id": call.pk}, attributes={})
    assert plan.graph["nodes"][0]["data"]["config"]["greeting"] == "Draft speaking."
    assert plan.is_test is True


def test_a_published_version_can_be_tested_too(
    client_as: Callable[[Role], Client], pipeline: Pipeline, livekit: Any
) -> None:
    response = post(client_as(Role.DESIGNER), {"pipeline_id": pipeline.pk, "version": 1})
    assert response.status_code == 201
    call = Call.objects.get(pk=response.json()["call_id"])
    assert call.pipeline_version is not None
    assert call.pipeline_version.number == 1
    missing = post(client_as(Role.DESIGNER), {"pipeline_id": pipeline.pk, "version": 9})
    assert missing.status_code == 404


def test_voice_tests_need_livekit_and_the_test_permission(
    client_as: Callable[[Role], Client], pipeline: Pipeline, settings: Any
) -> None:
    settings.LIVEKIT_ENABLED = False
    response = post(client_as(Role.DESIGNER), {"pipeline_id": pipeline.pk})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "livekit_disabled"
    settings.LIVEKIT_ENABLED = True
    assert post(client_as(Role.FINANCE), {"pipeline_id": pipeline.pk}).status_code == 403
