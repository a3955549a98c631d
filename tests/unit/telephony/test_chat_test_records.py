"""A browser chat test leaves a test call in the history: who ran it, what it ran, its turns
with their traces, its actions, how it ended and what it cost (as test usage)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from betool.models import LedgerEntry, Membership
from betool.roles import Role
from pipelines.chat_tests import ChatTestStart
from pipelines.services import pipeline_create
from telephony.calls.closing import reap
from telephony.models import Call, CallChannel, CallStatus
from telephony.selectors import active_call_count
from tests.unit.test_test_session_socket import _signed_in, _socket, _until

pytestmark = pytest.mark.django_db(transaction=True)


async def _until_turn_end(communicator: Any) -> list[dict[str, Any]]:
    return await _until(communicator, "turn_end")


@pytest.fixture
def front_desk(member: Callable[[Role], Membership]) -> Any:
    designer = member(Role.DESIGNER)
    return pipeline_create(
        workspace=designer.workspace, user=designer.user, name="Front desk", template="front_desk"
    )


def _chat_calls() -> list[Call]:
    return list(Call.objects.filter(channel=CallChannel.BROWSER_CHAT).order_by("pk"))


async def test_a_chat_that_ends_in_a_transfer_is_a_test_call_with_its_turns_and_trace(
    member: Callable[[Role], Membership], front_desk: Any
) -> None:
    client = await sync_to_async(_signed_in)(member, Role.DESIGNER)
    communicator = _socket(client, front_desk.pk)
    assert (await communicator.connect())[0]
    await _until_turn_end(communicator)
    await communicator.send_json_to({"type": "user_message", "text": "I need a person"})
    reply = await _until_turn_end(communicator)
    assert reply[-1]["ended"] is True
    await communicator.disconnect()

    listing = await sync_to_async(client.get)("/api/calls", {"is_test": "true"})
    assert listing.status_code == 200, listing.content
    [item] = listing.json()["items"]
    assert item["channel"] == "browser_chat"
    assert item["tester"] == "designer-user"
    assert item["is_test"] is True
    assert (item["pipeline_name"], item["pipeline_version"]) == ("Front desk", None)
    assert (item["status"], item["end_reason"]) == ("ended", "transferred")
    assert item["connected_at"] is not None
    assert item["ended_at"] is not None
    without_tests = await sync_to_async(client.get)("/api/calls", {"is_test": "false"})
    assert without_tests.json()["items"] == []

    detail = (await sync_to_async(client.get)(f"/api/calls/{item['id']}")).json()
    greeting, exchange = detail["turns"]
    assert greeting["sequence"] == 0
    assert "Thanks for calling Acme" in greeting["agent_text"]
    assert exchange["user_text"] == "I need a person"
    assert exchange["agent_text"]
    assert [step["node_id"] for step in exchange["trace"]["nodes"]] == ["classify", "to_human"]
    # An order of events, not a speed: the turn's first text comes within the turn (both
    # figures are of one clock; a fast machine may round the first to 0.0).
    latencies = exchange["latencies"]
    assert latencies["engine_first_text_ms"] <= latencies["end_to_end_ms"]
    assert [e["name"] for e in detail["events"] if e["kind"] == "action"] == ["transfer"]
    assert detail["transfer_target"]


async def test_closing_the_panel_ends_the_record_and_a_test_never_spoken_to_leaves_none(
    member: Callable[[Role], Membership], front_desk: Any
) -> None:
    client = await sync_to_async(_signed_in)(member, Role.DESIGNER)
    unused = _socket(client, front_desk.pk)
    await unused.connect()
    await _until_turn_end(unused)
    await unused.disconnect()
    assert await sync_to_async(_chat_calls)() == []

    communicator = _socket(client, front_desk.pk)
    await communicator.connect()
    await _until_turn_end(communicator)
    await communicator.send_json_to({"type": "user_message", "text": "what are your prices"})
    await _until_turn_end(communicator)
    [open_chat] = await sync_to_async(_chat_calls)()
    assert open_chat.status == CallStatus.ACTIVE
    # An open chat takes no line: it does not count against the workspace's call limit.
    workspace = await sync_to_async(lambda: front_desk.workspace)()
    assert await sync_to_async(active_call_count)(workspace=workspace) == 0
    # The reaper leaves a chat that LiveKit knows nothing of alone.
    assert await sync_to_async(reap)(live_rooms=set()) == 0

    await communicator.disconnect()
    [closed] = await sync_to_async(_chat_calls)()
    assert (closed.status, closed.end_reason) == (CallStatus.ENDED, "test_closed")
    turns = await sync_to_async(lambda: list(closed.turns.values_list("user_text", flat=True)))()
    assert turns == ["", "what are your prices"]


async def test_a_chats_llm_tokens_are_billed_under_its_record_as_test_usage(
    member: Callable[[Role], Membership],
) -> None:
    from pipelines.engine import ProviderRegistry, compile_graph
    from pipelines.test_session import build_test_session
    from telephony.calls.history import call_cost
    from tests.fakes.llm import Script, ScriptedLLM
    from tests.unit.pipelines.graphs import chain, document, node, start
    from voice_models.llm.types import Usage

    designer = await sync_to_async(member)(Role.DESIGNER)
    workspace, user = await sync_to_async(lambda: (designer.workspace, designer.user))()
    pipeline = await sync_to_async(pipeline_create)(
        workspace=workspace, user=user, name="Agent", template="front_desk"
    )
    llm = ScriptedLLM(Script(text=["Sure."], usage=Usage(1000, 100)), model="gpt-4o-mini")
    providers = ProviderRegistry(llms={"gpt-4o-mini": llm})
    graph = document([start(), node("a", "agent", mission="Help.", model="gpt-4o-mini")],
                     chain("start", "a"))  # fmt: skip
    session = build_test_session(
        compiled=compile_graph(graph),
        providers=providers,
        session_id="chat42",
        pipeline_id=pipeline.pk,
        workspace=workspace,
        run=ChatTestStart(
            workspace=workspace, tester=user, pipeline_id=pipeline.pk, version_number=None,
            session_id="chat42", started_at=timezone.now() - timedelta(seconds=5),
        ),
    )  # fmt: skip
    for text in ("hello", "again"):
        [event async for event in session.run_turn(text)]
    await session.close()

    def recorded() -> tuple[Call, list[dict[str, Any]], list[bool]]:
        call = Call.objects.get(channel=CallChannel.BROWSER_CHAT)
        entries = LedgerEntry.objects.filter(source=f"call-{call.pk}")
        return call, call_cost(call), [entry.is_test for entry in entries]

    call, cost, flags = await sync_to_async(recorded)()
    assert flags
    assert all(flags)
    assert {line["kind"]: line["quantity"] for line in cost} == {
        "llm_input_tokens": 2000,
        "llm_output_tokens": 200,
    }  # no call time: a chat is not a phone line
    assert call.usage == {
        "llm_tokens": {"gpt-4o-mini": {"input_tokens": 2000, "output_tokens": 200}}
    }
    assert call.duration_s is not None
    assert call.duration_s >= 5
