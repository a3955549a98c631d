"""The editor's test session over the real ASGI app: auth, streaming, digits, live drafts."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from betool.asgi import application
from betool.models import Membership
from betool.roles import Role
from pipelines.graph.templates import template_get
from pipelines.services import draft_save, pipeline_create

pytestmark = pytest.mark.django_db(transaction=True)


def _socket(client: Client | None, pipeline_id: int, version: str = "draft") -> Any:
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    if client is not None:
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        headers.append((b"cookie", cookie.encode()))
    path = f"/ws/pipelines/{pipeline_id}/test/?version={version}"
    return WebsocketCommunicator(application, path, headers=headers)


async def _until(communicator: Any, kind: str) -> list[dict[str, Any]]:
    events = []
    while True:
        event = await communicator.receive_json_from(timeout=5)
        events.append(event)
        if event["type"] == kind:
            return events


@pytest.fixture
def front_desk(member: Callable[[Role], Membership]) -> Any:
    designer = member(Role.DESIGNER)
    return pipeline_create(
        workspace=designer.workspace, user=designer.user, name="FD", template="front_desk"
    )


def _signed_in(member: Callable[[Role], Membership], role: Role) -> Client:
    client = Client()
    client.force_login(member(role).user)
    return client


async def test_a_turn_streams_nodes_text_and_turn_end_in_order(
    member: Callable[[Role], Membership], front_desk: Any
) -> None:
    client = await sync_to_async(_signed_in)(member, Role.DESIGNER)
    communicator = _socket(client, front_desk.pk)
    connected, _ = await communicator.connect()
    assert connected
    greeting = await _until(communicator, "turn_end")
    assert greeting[0]["type"] == "ready"
    assert any("Thanks for calling Acme" in e.get("text", "") for e in greeting)

    await communicator.send_json_to({"type": "user_message", "text": "I need a person"})
    events = await _until(communicator, "turn_end")
    kinds = [e["type"] for e in events]
    assert kinds.index("node_enter") < kinds.index("text") < kinds.index("turn_end")
    entered = [e["node_id"] for e in events if e["type"] == "node_enter"]
    assert entered == ["classify", "to_human"]
    assert any(e["type"] == "action" and e["action"] == "transfer" for e in events)
    assert events[-1]["ended"] is True
    assert [step["node_id"] for step in events[-1]["trace"]["nodes"]] == entered

    await communicator.send_json_to({"type": "user_message", "text": "hello?"})
    assert (await communicator.receive_json_from())["code"] == "session_ended"
    await communicator.send_json_to({"type": "reset"})
    assert (await _until(communicator, "turn_end"))[0]["type"] == "ready"
    await communicator.disconnect()


async def test_bad_messages_get_clear_errors_and_the_socket_stays_open(
    member: Callable[[Role], Membership], front_desk: Any
) -> None:
    client = await sync_to_async(_signed_in)(member, Role.DESIGNER)
    communicator = _socket(client, front_desk.pk)
    await communicator.connect()
    await _until(communicator, "turn_end")
    for bad, code in [
        ({"type": "user_message", "text": "  "}, "invalid_input"),
        ({"type": "digits", "digits": "12a"}, "invalid_input"),
        ({"type": "dance"}, "invalid_input"),
    ]:
        await communicator.send_json_to(bad)
        assert (await communicator.receive_json_from())["code"] == code
    await communicator.send_json_to({"type": "user_message", "text": "pricing please"})
    assert (await _until(communicator, "turn_end"))[-1]["type"] == "turn_end"
    await communicator.disconnect()


async def test_anonymous_and_finance_are_refused(
    member: Callable[[Role], Membership], front_desk: Any
) -> None:
    anonymous = _socket(None, front_desk.pk)
    connected, code = await anonymous.connect()
    assert not connected
    assert code == 4401
    finance = await sync_to_async(_signed_in)(member, Role.FINANCE)
    connected, code = await _socket(finance, front_desk.pk).connect()
    assert not connected
    assert code == 4403


async def test_an_invalid_draft_says_what_to_fix(
    member: Callable[[Role], Membership], front_desk: Any
) -> None:
    graph = copy.deepcopy(front_desk.draft)
    graph["nodes"] = [n for n in graph["nodes"] if n["type"] != "start"]
    user = await sync_to_async(lambda: member(Role.DESIGNER).user)()
    await sync_to_async(draft_save)(
        pipeline=front_desk, user=user, graph=graph, revision=front_desk.draft_revision
    )
    client = await sync_to_async(_signed_in)(member, Role.DESIGNER)
    communicator = _socket(client, front_desk.pk)
    await communicator.connect()
    error = await communicator.receive_json_from()
    assert error["code"] == "graph_invalid"
    assert error["details"]
    await communicator.disconnect()


async def test_a_saved_draft_reaches_the_open_session(
    member: Callable[[Role], Membership], front_desk: Any
) -> None:
    client = await sync_to_async(_signed_in)(member, Role.DESIGNER)
    communicator = _socket(client, front_desk.pk)
    await communicator.connect()
    await _until(communicator, "turn_end")
    user = await sync_to_async(lambda: member(Role.DESIGNER).user)()
    opened_at = front_desk.draft_revision
    await sync_to_async(draft_save)(
        pipeline=front_desk, user=user, graph=front_desk.draft, revision=opened_at
    )
    notice = await communicator.receive_json_from(timeout=5)
    assert notice == {"type": "draft_updated", "revision": opened_at + 1}
    await communicator.disconnect()


async def test_typed_digits_reach_collect_digits(
    member: Callable[[Role], Membership],
) -> None:
    designer = await sync_to_async(member)(Role.DESIGNER)
    workspace, user = await sync_to_async(lambda: (designer.workspace, designer.user))()
    graph = template_get("front_desk")["graph"]  # type: ignore[index]
    graph["nodes"] = [
        graph["nodes"][0],
        {
            "id": "pin",
            "type": "collect_digits",
            "position": {"x": 300, "y": 0},
            "data": {
                "config": {
                    "prompt": "Enter your PIN",
                    "max_digits": 4,
                    "terminator": "#",
                    "timeout_s": 5,
                    "variable": "pin",
                }
            },
        },
        {
            "id": "ok",
            "type": "say",
            "position": {"x": 600, "y": 0},
            "data": {"config": {"text": "Thanks, PIN {{ pin }} received."}},
        },
        {
            "id": "none",
            "type": "say",
            "position": {"x": 600, "y": 200},
            "data": {"config": {"text": "No digits."}},
        },
    ]
    graph["edges"] = [
        {
            "id": "a",
            "source": "start",
            "sourceHandle": "out",
            "target": "pin",
            "targetHandle": "in",
        },
        {"id": "b", "source": "pin", "sourceHandle": "out", "target": "ok", "targetHandle": "in"},
        {
            "id": "c",
            "source": "pin",
            "sourceHandle": "no_input",
            "target": "none",
            "targetHandle": "in",
        },
    ]
    pipeline = await sync_to_async(pipeline_create)(
        workspace=workspace, user=user, name="PIN", graph=graph
    )
    client = await sync_to_async(_signed_in)(member, Role.DESIGNER)
    communicator = _socket(client, pipeline.pk)
    await communicator.connect()
    await _until(communicator, "turn_end")
    await communicator.send_json_to({"type": "user_message", "text": "hi"})
    prompt = await _until(communicator, "turn_end")
    assert any("Enter your PIN" in e.get("text", "") for e in prompt)
    await communicator.send_json_to({"type": "digits", "digits": "1234#"})
    reply = await _until(communicator, "turn_end")
    assert any("PIN 1234 received" in e.get("text", "") for e in reply)
    assert reply[-1]["variables"]["pin"] == "1234"
    await communicator.disconnect()


async def test_a_test_sessions_llm_tokens_are_billed_as_test_usage(
    member: Callable[[Role], Membership],
) -> None:
    from decimal import Decimal

    from django.db.models import Sum

    from betool.models import LedgerEntry
    from pipelines.engine import ProviderRegistry, compile_graph
    from pipelines.test_session import build_test_session
    from tests.fakes.llm import Script, ScriptedLLM
    from tests.unit.pipelines.graphs import chain, document, node, start
    from voice_models.llm.types import Usage

    designer = await sync_to_async(member)(Role.DESIGNER)
    workspace = await sync_to_async(lambda: designer.workspace)()
    llm = ScriptedLLM(Script(text=["Sure."], usage=Usage(1000, 100)), model="gpt-4o-mini")
    providers = ProviderRegistry(llms={"gpt-4o-mini": llm})
    graph = document([start(), node("a", "agent", mission="Help.", model="gpt-4o-mini")],
                     chain("start", "a"))  # fmt: skip
    session = build_test_session(
        compiled=compile_graph(graph),
        providers=providers,
        session_id="abc123",
        pipeline_id=1,
        workspace=workspace,
    )
    for text in ("hello", "again"):
        events = [event async for event in session.run_turn(text)]
        assert events[-1]["type"] == "turn_end"

    def billed() -> tuple[list[bool], Decimal]:
        entries = LedgerEntry.objects.filter(source="test-abc123")
        total = entries.aggregate(s=Sum("quantity"), c=Sum("credits"))
        return [e.is_test for e in entries], total["s"]

    flags, tokens = await sync_to_async(billed)()
    assert flags
    assert all(flags)
    assert tokens == 2 * (1000 + 100)  # both turns' input and output tokens, once each
