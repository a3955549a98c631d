"""Post-call analysis against a keyless OpenAI-compatible server on loopback (what a local
llama.cpp, Ollama or vLLM is), through the real OpenAI client: fields extracted and typed,
billed as usage, shown on the call, filterable, in the CSV, re-runnable; junk from the model
fails the analysis with the reason, and nothing crashes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from betool.models import LedgerEntry, Workspace
from betool.roles import Role
from pipelines.graph.validation import validate_graph
from pipelines.models import Pipeline, PipelineVersion
from telephony.models import Call, CallEndReason, CallStatus
from telephony.services import call_end, call_set_status, call_start, call_turn_record
from tests.fakes.llm_servers import FakeOpenAIServer, ScriptedReply
from tests.fakes.threaded import serve_in_thread
from voice_models.models import VoiceModel

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]
ANALYSIS = {
    "enabled": True,
    "summary": True,
    "outcomes": ["resolved", "transferred", "abandoned"],
    "fields": [
        {"name": "order_number", "type": "string", "required": True},
        {"name": "items", "type": "number"},
        {"name": "gift", "type": "boolean"},
        {"name": "reason", "type": "enum", "options": ["late", "damaged", "other"]},
        {"name": "delivery_date", "type": "date"},
    ],
}
GOOD_ANSWER = {
    "summary": "The caller's order 4411 arrived damaged; a replacement was promised.",
    "outcome": "resolved",
    "fields": {
        "order_number": "4411",
        "items": 2,
        "gift": False,
        "reason": "damaged",
        "delivery_date": "2026-11-28",
    },
}


@pytest.fixture
def llm_server() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer()
    with serve_in_thread(lambda: server):
        yield server


@pytest.fixture
def local_model(workspace: Workspace, llm_server: FakeOpenAIServer) -> VoiceModel:
    return VoiceModel.objects.create(
        workspace=workspace,
        name="Local Llama",
        kind="llm",
        provider="openai_compatible",
        model="llama-3.2-3b",
        base_url=f"{llm_server.url}/v1",
        enabled=True,
        is_default=True,
    )


def _version(workspace: Workspace, analysis: dict[str, Any]) -> PipelineVersion:
    pipeline = Pipeline.objects.create(workspace=workspace, name="Orders", draft={})
    graph = {"nodes": [], "edges": [], "settings": {"analysis": analysis}}
    return PipelineVersion.objects.create(pipeline=pipeline, number=1, graph=graph)


def _ended_call(
    workspace: Workspace, version: PipelineVersion, capture: Capture, room: str = "call-an"
) -> Call:
    t0 = timezone.now() - timedelta(minutes=3)
    call = call_start(workspace=workspace, room_name=room, pipeline_version=version, at=t0)
    call_set_status(call=call, status=CallStatus.CONNECTED, at=t0 + timedelta(seconds=1))
    call_turn_record(
        call=call, sequence=1, user_text="My order 4411 came broken, two items.",
        agent_text="Sorry about that, I will send a replacement.",
        started_at=t0 + timedelta(seconds=4),
    )  # fmt: skip
    with capture(execute=True):
        call_end(call=call, reason=CallEndReason.CALLER_HANGUP)
    return call


def _reply(body: object, *, input_tokens: int = 300, output_tokens: int = 60) -> ScriptedReply:
    text = body if isinstance(body, str) else json.dumps(body)
    return ScriptedReply(text=[text], input_tokens=input_tokens, output_tokens=output_tokens)


def test_fields_are_extracted_typed_billed_and_shown(
    workspace: Workspace,
    local_model: VoiceModel,
    llm_server: FakeOpenAIServer,
    client_as: Callable[[Role], Client],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    llm_server.replies.append(_reply(f"```json\n{json.dumps(GOOD_ANSWER)}\n```"))
    call = _ended_call(workspace, _version(workspace, ANALYSIS), django_capture_on_commit_callbacks)

    request = llm_server.requests[0]
    assert request["model"] == "llama-3.2-3b"
    prompt = json.dumps(request["messages"])
    assert "My order 4411 came broken" in prompt
    assert "delivery_date" in prompt
    detail = client_as(Role.DESIGNER).get(f"/api/calls/{call.pk}").json()
    analysis = detail["analysis"]
    assert analysis["status"] == "succeeded", analysis
    assert analysis["outcome"] == "resolved"
    assert analysis["fields"] == {
        "order_number": "4411",
        "items": 2.0,
        "gift": False,
        "reason": "damaged",
        "delivery_date": "2026-11-28",
    }
    assert analysis["summary"].startswith("The caller's order 4411")
    assert (analysis["input_tokens"], analysis["output_tokens"]) == (300, 60)
    billed = LedgerEntry.objects.filter(source=f"analysis-{call.pk}-1")
    assert {(e.kind, e.quantity) for e in billed} == {
        ("llm_input_tokens", 300),
        ("llm_output_tokens", 60),
    }
    assert {line["kind"] for line in detail["cost"]} >= {"llm_input_tokens", "llm_output_tokens"}


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("I think the call went well!", "not a JSON object"),
        ('{"summary": "x", "outcome": "resolved", "fields": {', "not valid JSON"),
        ({**GOOD_ANSWER, "outcome": "delighted"}, "outcome"),
        ({**GOOD_ANSWER, "fields": {**GOOD_ANSWER["fields"], "items": "a few"}}, "fields.items"),
        (
            {**GOOD_ANSWER, "fields": {**GOOD_ANSWER["fields"], "delivery_date": "last Tuesday"}},
            "fields.delivery_date",
        ),
        ({"summary": "x", "outcome": "resolved", "fields": {}}, "fields.order_number"),
    ],
)
def test_junk_from_the_model_fails_the_analysis_with_the_reason(
    workspace: Workspace,
    local_model: VoiceModel,
    llm_server: FakeOpenAIServer,
    client_as: Callable[[Role], Client],
    django_capture_on_commit_callbacks: Capture,
    answer: object,
    reason: str,
) -> None:
    llm_server.replies.append(_reply(answer))
    call = _ended_call(workspace, _version(workspace, ANALYSIS), django_capture_on_commit_callbacks)
    analysis = client_as(Role.ADMIN).get(f"/api/calls/{call.pk}").json()["analysis"]
    assert analysis["status"] == "failed"
    assert analysis["error"].startswith("analysis failed: ")
    assert reason in analysis["error"]
    assert analysis["fields"] == {}
    # The tokens were spent all the same.
    assert LedgerEntry.objects.filter(source=f"analysis-{call.pk}-1").exists()


def test_a_provider_error_fails_the_analysis_and_a_rerun_succeeds(
    workspace: Workspace,
    local_model: VoiceModel,
    llm_server: FakeOpenAIServer,
    client_as: Callable[[Role], Client],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    llm_server.replies.append(ScriptedReply(status=500, error_message="model crashed"))
    call = _ended_call(workspace, _version(workspace, ANALYSIS), django_capture_on_commit_callbacks)
    admin = client_as(Role.ADMIN)
    assert admin.get(f"/api/calls/{call.pk}").json()["analysis"]["status"] == "failed"

    llm_server.replies.append(_reply(GOOD_ANSWER, input_tokens=100, output_tokens=10))
    assert client_as(Role.FINANCE).post(f"/api/calls/{call.pk}/analysis").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/api/calls/{call.pk}/analysis")
    assert response.status_code == 202, response.content
    analysis = admin.get(f"/api/calls/{call.pk}").json()["analysis"]
    assert (analysis["status"], analysis["run"], analysis["error"]) == ("succeeded", 2, "")
    assert LedgerEntry.objects.filter(source=f"analysis-{call.pk}-2").exists()


def test_no_analysis_unless_the_pipeline_asks(
    workspace: Workspace,
    local_model: VoiceModel,
    llm_server: FakeOpenAIServer,
    client_as: Callable[[Role], Client],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    call = _ended_call(
        workspace, _version(workspace, {"enabled": False}), django_capture_on_commit_callbacks
    )
    assert llm_server.requests == []
    assert client_as(Role.ADMIN).get(f"/api/calls/{call.pk}").json()["analysis"] is None


def test_calls_filter_by_outcome_and_export_the_fields_as_csv(
    workspace: Workspace,
    local_model: VoiceModel,
    llm_server: FakeOpenAIServer,
    client_as: Callable[[Role], Client],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    version = _version(workspace, ANALYSIS)
    llm_server.replies.append(_reply(GOOD_ANSWER))
    resolved = _ended_call(workspace, version, django_capture_on_commit_callbacks, "call-1")
    abandoned_answer = {**GOOD_ANSWER, "outcome": "abandoned", "summary": "=HYPERLINK(1)"}
    llm_server.replies.append(_reply(abandoned_answer))
    abandoned = _ended_call(workspace, version, django_capture_on_commit_callbacks, "call-2")

    viewer = client_as(Role.FINANCE)
    page = viewer.get("/api/calls?outcome=resolved").json()
    assert [c["id"] for c in page["items"]] == [resolved.pk]
    assert page["items"][0]["outcome"] == "resolved"
    assert page["items"][0]["analysis_status"] == "succeeded"
    exported = viewer.get("/api/calls.csv?analysis_status=succeeded")
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [int(r["id"]) for r in rows] == [abandoned.pk, resolved.pk]
    assert rows[1]["outcome"] == "resolved"
    assert rows[1]["field:order_number"] == "4411"
    assert rows[1]["field:delivery_date"] == "2026-11-28"
    assert rows[0]["summary"] == "'=HYPERLINK(1)"  # a formula stays text in a spreadsheet


def test_analysis_settings_are_validated_with_the_pipeline() -> None:
    graph = {
        "nodes": [],
        "edges": [],
        "settings": {"analysis": {"fields": [{"name": "reason", "type": "enum", "options": []}]}},
    }
    problems = [p for p in validate_graph(graph) if p.code == "invalid_settings"]
    assert problems
    assert "choices" in problems[0].message


def test_a_finished_analysis_is_sent_as_call_analyzed(
    workspace: Workspace,
    local_model: VoiceModel,
    llm_server: FakeOpenAIServer,
    client_as: Callable[[Role], Client],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    from tests.fakes.webhook_receiver import webhook_receiver

    with webhook_receiver() as receiver:
        client_as(Role.ADMIN).post(
            "/api/webhooks/endpoints",
            {"url": receiver.url, "events": ["call.analyzed"]},
            content_type="application/json",
        )
        llm_server.replies.append(_reply(GOOD_ANSWER))
        call = _ended_call(
            workspace, _version(workspace, ANALYSIS), django_capture_on_commit_callbacks
        )
        (request,) = receiver.received
    body = json.loads(request.body)
    assert body["type"] == "call.analyzed"
    assert body["data"]["call_id"] == call.pk
    assert body["data"]["status"] == "succeeded"
    assert body["data"]["fields"]["order_number"] == "4411"


def _after_call_graph(analysis: dict[str, Any], url: str) -> dict[str, Any]:
    body = (
        '{"order": "{{ analysis.fields.order_number }}", "outcome": "{{ analysis.outcome }}", '
        '"customer": "{{ customer_name }}", "call": {{ call.id }}}'
    )
    node = {
        "id": "crm",
        "type": "http_request",
        "position": {"x": 0, "y": 0},
        "data": {"config": {"method": "POST", "url": url, "body": body, "after_call": True}},
    }
    return {"nodes": [node], "edges": [], "settings": {"analysis": analysis}}


def test_an_after_call_request_is_sent_with_the_variables_and_the_analysis(
    workspace: Workspace,
    local_model: VoiceModel,
    llm_server: FakeOpenAIServer,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    from telephony.after_call.http_requests import after_call_requests_run
    from tests.fakes.webhook_receiver import webhook_receiver

    llm_server.replies.append(_reply(GOOD_ANSWER))
    with webhook_receiver() as receiver:
        pipeline = Pipeline.objects.create(workspace=workspace, name="CRM", draft={})
        version = PipelineVersion.objects.create(
            pipeline=pipeline, number=1, graph=_after_call_graph(ANALYSIS, receiver.url)
        )
        call = call_start(workspace=workspace, room_name="call-crm", pipeline_version=version)
        with django_capture_on_commit_callbacks(execute=True):
            call_end(
                call=call,
                reason=CallEndReason.CALLER_HANGUP,
                variables={"customer_name": "Ada", "call_id": call.pk},
            )
        assert len(receiver.received) == 1
        assert json.loads(receiver.received[0].body) == {
            "order": "4411",
            "outcome": "resolved",
            "customer": "Ada",
            "call": call.pk,
        }
        # A retried task sends nothing twice.
        assert after_call_requests_run(call_id=call.pk) == []
        assert len(receiver.received) == 1
    event = call.events.get(name="after_call_request")
    assert (event.kind, event.data["status"], event.data["node_id"]) == ("tool", 200, "crm")


def test_without_analysis_the_request_goes_at_hang_up_and_a_failure_is_recorded(
    workspace: Workspace, django_capture_on_commit_callbacks: Capture
) -> None:
    from tests.fakes.webhook_receiver import webhook_receiver

    with webhook_receiver() as receiver:
        receiver.answer(503)
        pipeline = Pipeline.objects.create(workspace=workspace, name="CRM", draft={})
        version = PipelineVersion.objects.create(
            pipeline=pipeline, number=1, graph=_after_call_graph({"enabled": False}, receiver.url)
        )
        call = call_start(workspace=workspace, room_name="call-crm2", pipeline_version=version)
        with django_capture_on_commit_callbacks(execute=True):
            call_end(call=call, reason=CallEndReason.CALLER_HANGUP, variables={"x": 1})
        body = json.loads(receiver.received[0].body)
    assert body["outcome"] == ""  # no analysis: it reads as nothing
    event = call.events.get(name="after_call_request")
    assert event.kind == "error"
    assert event.data["error"] == "the server answered 503"


def test_only_after_call_requests_may_read_the_analysis() -> None:
    graph = _after_call_graph({"enabled": True}, "https://crm.example.com/calls")
    graph["nodes"].insert(0, {
        "id": "start", "type": "start", "position": {"x": 0, "y": 0},
        "data": {"config": {"receiver": "phone_gateway", "greeting": "Hi"}},
    })  # fmt: skip
    unknown = [p for p in validate_graph(graph) if p.code == "unknown_variable"]
    assert [p.message for p in unknown if "analysis" in p.message] == []
    graph["nodes"][1]["data"]["config"]["after_call"] = False
    unknown = [p for p in validate_graph(graph) if p.code == "unknown_variable"]
    assert any("analysis.outcome" in p.message for p in unknown)
