"""The other node types' semantics, and the registry/catalog that the editor reads."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from pipelines.nodes import NODE_TYPES, node_type_catalog
from pipelines.nodes.call_control import HangupParams, HoldParams, TransferParams
from pipelines.nodes.collect_digits import CollectDigitsParams
from pipelines.turn.events import ActionParams
from pipelines.turn.providers import ProviderRegistry
from pipelines.turn.voice import VoiceActions
from tests.unit.pipelines.graphs import (
    chain,
    collect,
    conversation,
    document,
    edge,
    node,
    of_type,
    start,
    texts,
    turn_end,
)

EXPECTED_TYPES = {
    "start",
    "agent",
    "classifier",
    "router",
    "say",
    "set_variables",
    "collect_digits",
    "http_request",
    "transfer",
    "hold",
    "hangup",
    "note",
}


def test_registry_has_every_node_type() -> None:
    assert set(NODE_TYPES) == EXPECTED_TYPES


def test_catalog_serves_json_schema_and_handles() -> None:
    catalog = {entry["type"]: entry for entry in node_type_catalog()}
    assert set(catalog) == EXPECTED_TYPES
    json.dumps(catalog)
    assert catalog["classifier"]["outputs"] == ["intent:<name>", "fallback"]
    assert catalog["http_request"]["outputs"] == ["success", "error"]
    assert catalog["start"]["inputs"] == []
    assert catalog["say"]["config_schema"]["properties"]["text"]["format"] == "template"
    assert "mission" in catalog["agent"]["config_schema"]["required"]
    assert catalog["say"]["defaults"] == {
        "text": "",
        "interruptible": True,
        "barge_in": "number",
        "barge_in_sensitivity": "number",
    }


def test_catalog_is_a_fresh_copy() -> None:
    node_type_catalog()[0]["label"] = "changed"
    assert node_type_catalog()[0]["label"] != "changed"


def _voice_recorder() -> tuple[VoiceActions, list[ActionParams]]:
    performed: list[ActionParams] = []

    async def record(params: ActionParams) -> None:
        performed.append(params)

    voice = VoiceActions(hangup=record, transfer=record, hold=record, collect_digits=record)
    return voice, performed


async def test_say_is_templated_and_cut_into_sentences() -> None:
    doc = document(
        [
            start(),
            node(
                "s",
                "say",
                text="Hi {{ caller.number }}. You said {{ exchange.user_message }}!",
                interruptible=False,
            ),
        ],
        chain("start", "s"),
    )
    events = await collect(conversation(doc).run_turn("yes"))
    assert texts(events) == ["Hi +15550100.", "You said yes!"]
    assert {e.interruptible for e in of_type(events, "text")} == {False}


async def test_note_is_never_executed() -> None:
    doc = document(
        [start(), node("n", "note", text="remember to call back"), node("s", "say", text="Hi.")],
        chain("start", "s"),
    )
    events = await collect(conversation(doc).run_turn("x"))
    assert [step.node_id for step in turn_end(events).trace.steps] == ["s"]


async def test_hangup_says_goodbye_then_hangs_up_and_ends_the_conversation() -> None:
    voice, performed = _voice_recorder()
    doc = document(
        [start(), node("h", "hangup", message="Bye {{ caller.number }}.")], chain("start", "h")
    )
    talk = conversation(doc, voice=voice)
    events = await collect(talk.run_turn("bye"))
    assert [e.type for e in events if e.type in ("text", "action")] == ["text", "action"]
    assert texts(events) == ["Bye +15550100."]
    assert performed == [HangupParams(reason="pipeline")]
    assert talk.ended
    later = await collect(talk.run_turn("hello?"))
    assert texts(later) == []
    assert turn_end(later).trace.detail == "the call has ended"


async def test_transfer_renders_its_destination() -> None:
    voice, performed = _voice_recorder()
    nodes = [
        start(),
        node("set", "set_variables", assignments=[{"variable": "desk", "value": "+15550111"}]),
        node("t", "transfer", destination="{{ desk }}"),
    ]
    talk = conversation(document(nodes, chain("start", "set", "t")), voice=voice)
    events = await collect(talk.run_turn("agent"))
    assert texts(events) == ["Let me transfer you now."]
    assert performed == [TransferParams(destination="+15550111", mode="cold")]
    assert talk.ended


async def test_hold_then_carries_on() -> None:
    voice, performed = _voice_recorder()
    nodes = [start(), node("h", "hold", seconds=5), node("s", "say", text="Thanks for waiting.")]
    events = await collect(
        conversation(document(nodes, chain("start", "h", "s")), voice=voice).run_turn("x")
    )
    assert texts(events) == ["Please hold for a moment.", "Thanks for waiting."]
    assert performed == [HoldParams(seconds=5.0, music=True)]


async def test_actions_without_handlers_still_appear_as_events() -> None:
    doc = document([start(), node("h", "hold")], chain("start", "h"))
    events = await collect(conversation(doc).run_turn("x"))
    assert of_type(events, "action")[0].action == "hold"


def _digits_doc() -> dict[str, Any]:
    nodes = [
        start(),
        node("d", "collect_digits", prompt="Enter your PIN.", max_digits=4, variable="pin"),
        node("ok", "say", text="PIN {{ pin }} received."),
        node("none", "say", text="No digits."),
    ]
    return document(
        nodes, [*chain("start", "d"), edge("d", "out", "ok"), edge("d", "no_input", "none")]
    )


async def test_collect_digits_prompts_waits_and_resumes_with_dtmf() -> None:
    voice, performed = _voice_recorder()
    talk = conversation(_digits_doc(), voice=voice)
    first = await collect(talk.run_turn("I want to check my account"))
    assert texts(first) == ["Enter your PIN."]
    assert of_type(first, "action")[0].params == CollectDigitsParams(
        max_digits=4, terminator="#", timeout_s=10.0
    )
    assert of_type(first, "action")[0].as_dict()["params"] == {
        "max_digits": 4,
        "terminator": "#",
        "timeout_s": 10.0,
    }
    assert performed[0].kind == "collect_digits"
    assert talk.waiting_for_digits
    second = await collect(talk.run_turn("", digits="123456#"))
    assert texts(second) == ["PIN 1234 received."]
    assert talk.variables["pin"] == "1234"
    assert not talk.waiting_for_digits


async def test_collect_digits_accepts_typed_digits_in_a_text_test() -> None:
    talk = conversation(_digits_doc())
    await collect(talk.run_turn("hi"))
    assert texts(await collect(talk.run_turn("42 17#9"))) == ["PIN 4217 received."]


async def test_collect_digits_without_digits_on_resume_takes_no_input() -> None:
    talk = conversation(_digits_doc())
    await collect(talk.run_turn("hi"))
    assert texts(await collect(talk.run_turn("I don't know it"))) == ["No digits."]


async def test_collect_digits_uses_digits_that_came_with_the_turn() -> None:
    talk = conversation(_digits_doc())
    assert texts(await collect(talk.run_turn("", digits="9876"))) == ["PIN 9876 received."]


def _http_doc(**config: Any) -> dict[str, Any]:
    settings = {
        "method": "POST",
        "url": "https://crm.example/lookup?n={{ caller.number|urlencode }}",
        "headers": [{"name": "X-Token", "value": "secret-{{ caller.number }}"}],
        "body": '{"said": "{{ exchange.user_message }}"}',
        "save": [
            {"variable": "customer", "path": "customer.name"},
            {"variable": "first_order", "path": "orders.0.id"},
        ],
        "status_variable": "status",
    } | config
    nodes = [
        start(),
        node("h", "http_request", **settings),
        node("ok", "say", text="Hello {{ customer }}, order {{ first_order }}."),
        node("bad", "say", text="The system is down ({{ status }})."),
    ]
    return document(
        nodes, [*chain("start", "h"), edge("h", "success", "ok"), edge("h", "error", "bad")]
    )


async def test_http_request_maps_the_json_answer_into_variables() -> None:
    requests: list[httpx.Request] = []

    def crm(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={"customer": {"name": "Ada"}, "orders": [{"id": "A-1"}]})

    http = httpx.AsyncClient(transport=httpx.MockTransport(crm))
    talk = conversation(_http_doc(), providers=ProviderRegistry(http=http))
    events = await collect(talk.run_turn("hello"))
    assert texts(events) == ["Hello Ada, order A-1."]
    sent = requests[0]
    assert sent.method == "POST"
    assert sent.url.params["n"] == "+15550100"
    assert sent.headers["X-Token"] == "secret-+15550100"
    assert json.loads(sent.content) == {"said": "hello"}
    assert talk.variables["status"] == 200


async def test_http_request_error_status_takes_the_error_branch() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(503)))
    events = await collect(
        conversation(_http_doc(), providers=ProviderRegistry(http=http)).run_turn("x")
    )
    assert texts(events) == ["The system is down (503)."]
    assert turn_end(events).trace.steps[0].branch == "error"


async def test_http_request_timeout_takes_the_error_branch() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        import asyncio

        await asyncio.sleep(1)
        return httpx.Response(200)

    http = httpx.AsyncClient(transport=httpx.MockTransport(slow))
    events = await collect(
        conversation(_http_doc(timeout_s=0.1), providers=ProviderRegistry(http=http)).run_turn("x")
    )
    assert texts(events) == ["The system is down ()."]
    assert "no answer" in turn_end(events).trace.steps[0].output


async def test_http_request_error_with_no_branch_gives_the_fallback() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(500)))
    doc = document(
        [start(), node("h", "http_request", url="https://crm.example/x")], chain("start", "h")
    )
    events = await collect(conversation(doc, providers=ProviderRegistry(http=http)).run_turn("x"))
    end = turn_end(events)
    assert (end.reason, end.fallback) == ("node_error", True)


@pytest.mark.parametrize("node_type", sorted(EXPECTED_TYPES - {"start", "note"}))
def test_every_executable_type_builds_from_its_defaults_or_minimal_config(node_type: str) -> None:
    minimal = {
        "agent": {"mission": "m", "model": "m"},
        "classifier": {"intents": [{"name": "a", "keywords": ["a"]}]},
        "http_request": {"url": "https://x.example"},
        "transfer": {"destination": "+15550100"},
    }.get(node_type, {})
    spec = NODE_TYPES[node_type]
    config = spec.parse(minimal)
    assert spec.build is not None
    from pipelines.nodes import BuildContext

    runtime = spec.build(BuildContext(node_id="n", config=config, phone_upstream=True))
    assert runtime.node_id == "n"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/",
        "http://localhost/admin",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.7/",
        "http://[::1]/",
    ],
)
async def test_http_request_refuses_the_servers_own_network(url: str) -> None:
    reached: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        reached.append(request)
        return httpx.Response(200)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    doc = _http_doc(url=url)
    events = await collect(conversation(doc, providers=ProviderRegistry(http=http)).run_turn("x"))
    assert reached == []
    assert turn_end(events).trace.steps[0].branch == "error"
    assert "not allowed" in turn_end(events).trace.steps[0].output


async def test_private_network_can_be_allowed_by_the_operator() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200, json={})))
    providers = ProviderRegistry(http=http, allow_private_network=True)
    events = await collect(
        conversation(_http_doc(url="http://10.0.0.7/"), providers=providers).run_turn("x")
    )
    assert turn_end(events).trace.steps[0].branch == "success"


async def test_an_http_request_marked_after_the_call_sends_nothing_during_it() -> None:
    requests: list[httpx.Request] = []

    def crm(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={})

    http = httpx.AsyncClient(transport=httpx.MockTransport(crm))
    talk = conversation(_http_doc(after_call=True), providers=ProviderRegistry(http=http))
    events = await collect(talk.run_turn("hello"))
    assert requests == []
    # It goes on by success (the mapped variables are not there yet).
    assert texts(events) == ["Hello , order ."]
