"""The events betool's own actions send: a publish, a call's start and end, a low balance;
and the published schema of their bodies."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from betool.models import Workspace
from betool.roles import Role
from betool.services import balance_alerts_check
from betool.webhooks.events import payload_json_schema
from telephony.models import CallEndReason
from telephony.services import call_end, call_start
from tests.fakes.webhook_receiver import WebhookReceiver, webhook_receiver

pytestmark = pytest.mark.django_db

JSON = "application/json"
SCHEMA_FILE = Path(__file__).resolve().parents[3] / "docs" / "webhooks.schema.json"
Capture = Callable[..., Any]


@pytest.fixture
def receiver(client_as: Callable[[Role], Client]) -> Iterator[WebhookReceiver]:
    with webhook_receiver() as running:
        response = client_as(Role.ADMIN).post(
            "/api/webhooks/endpoints",
            {"url": running.url, "events": ["call.started", "call.ended", "pipeline.published"]},
            content_type=JSON,
        )
        assert response.status_code == 201
        yield running


def _bodies(receiver: WebhookReceiver) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.received]


def test_publishing_a_pipeline_sends_pipeline_published(
    client_as: Callable[[Role], Client],
    receiver: WebhookReceiver,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    designer = client_as(Role.DESIGNER)
    pipeline = designer.post("/api/pipelines", {"name": "Front desk"}, content_type=JSON).json()
    graph = pipeline["graph"]
    graph["nodes"].append(
        {"id": "say1", "type": "say", "position": {"x": 0, "y": 200},
         "data": {"label": "Say", "config": {"text": "Hello"}}}
    )  # fmt: skip
    graph["edges"].append(
        {"id": "e1", "source": "start", "sourceHandle": "out", "target": "say1",
         "targetHandle": "in"}
    )  # fmt: skip
    saved = designer.put(
        f"/api/pipelines/{pipeline['id']}/draft",
        {"graph": graph, "revision": pipeline["revision"]},
        content_type=JSON,
    )
    assert saved.status_code == 200, saved.content
    with django_capture_on_commit_callbacks(execute=True):
        published = designer.post(
            f"/api/pipelines/{pipeline['id']}/publish", {"note": "first"}, content_type=JSON
        )
    assert published.status_code == 201, published.content
    (body,) = _bodies(receiver)
    assert body["type"] == "pipeline.published"
    assert body["data"] == {
        "pipeline_id": pipeline["id"],
        "pipeline_name": "Front desk",
        "version": 1,
        "note": "first",
        "author": "designer-user",
    }


def test_a_call_sends_started_then_ended_once(
    workspace: Workspace, receiver: WebhookReceiver, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call = call_start(workspace=workspace, room_name="call-hook", from_number="+15550100")
    with django_capture_on_commit_callbacks(execute=True):
        call_end(call=call, reason=CallEndReason.CALLER_HANGUP)
        # The webhook for the room reports the same end: no second call.ended.
        call_end(call=call, reason=CallEndReason.CALLER_HANGUP)
    started, ended = _bodies(receiver)
    assert started["type"] == "call.started"
    assert started["data"]["call_id"] == call.pk
    assert started["data"]["from_number"] == "+15550100"
    assert started["data"]["ended_at"] is None
    assert ended["type"] == "call.ended"
    assert ended["data"]["end_reason"] == "caller_hangup"
    assert ended["data"]["ended_at"] is not None


def test_a_low_balance_sends_credits_low_once(
    workspace: Workspace,
    client_as: Callable[[Role], Client],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with webhook_receiver() as running:
        client_as(Role.ADMIN).post(
            "/api/webhooks/endpoints",
            {"url": running.url, "events": ["credits.low"]},
            content_type=JSON,
        )
        workspace.low_balance_threshold = Decimal(500)
        workspace.save()
        with django_capture_on_commit_callbacks(execute=True):
            balance_alerts_check(workspace=workspace)
            balance_alerts_check(workspace=workspace)  # still low: the alert is already open
        (body,) = _bodies(running)
    assert body["type"] == "credits.low"
    assert Decimal(body["data"]["threshold"]) == Decimal(500)


def test_the_schema_file_is_the_one_the_api_serves(client: Client) -> None:
    served = client.get("/api/webhooks/schema").json()
    assert served == payload_json_schema()
    assert json.loads(SCHEMA_FILE.read_text()) == served, (
        "docs/webhooks.schema.json is stale: regenerate it with "
        "`uv run python manage.py webhooks_schema > docs/webhooks.schema.json`"
    )
    types = {variant["$ref"].rsplit("/", 1)[1] for variant in served["oneOf"]}
    assert "CallAnalyzedEvent" in types
    listed = client.get("/api/webhooks/events").json()
    assert [e["type"] for e in listed] == [
        "call.started", "call.ended", "call.analyzed", "recording.ready", "credits.low",
        "pipeline.published",
    ]  # fmt: skip
