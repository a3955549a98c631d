"""The starter templates run as their names promise, with no API key and no network."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from pipelines.engine import Channel, Conversation, ProviderRegistry, compile_graph
from pipelines.graph.templates import template_get


def _graph(key: str) -> dict[str, Any]:
    document = template_get(key)
    assert document is not None
    return document["graph"]


async def _say(conversation: Conversation, text: str) -> tuple[str, list[dict[str, Any]]]:
    spoken, actions = [], []
    async for event in conversation.run_turn(text):
        payload = event.as_dict()
        if payload["type"] == "text":
            spoken.append(payload["text"])
        elif payload["type"] == "action":
            actions.append(payload)
    return " ".join(spoken), actions


def _conversation(graph: dict[str, Any]) -> Conversation:
    # The booking endpoint of these tests listens on loopback, which an operator must allow.
    return Conversation(
        compile_graph(graph),
        channel=Channel(source_type="browser_test"),
        providers=ProviderRegistry(allow_private_network=True),
    )


async def test_front_desk_transfers_a_caller_who_asks_for_a_person() -> None:
    conversation = _conversation(_graph("front_desk"))
    text, actions = await _say(conversation, "Can I talk to a real person please")
    assert "connecting you" in text.lower()
    assert [a["action"] for a in actions] == ["transfer"]
    assert conversation.ended


async def test_front_desk_asks_again_when_it_cannot_tell() -> None:
    text, _ = await _say(_conversation(_graph("front_desk")), "Bananas")
    assert "sales or support" in text


async def test_outbound_reminder_confirms_and_hangs_up() -> None:
    conversation = _conversation(_graph("outbound_reminder"))
    text, actions = await _say(conversation, "Yes I will be there")
    assert "see you tomorrow" in text.lower()
    assert [a["action"] for a in actions] == ["hangup"]
    assert conversation.variables["outcome"] == "confirmed"


async def test_outbound_reminder_leaves_a_voicemail_message_on_its_voicemail_branch() -> None:
    conversation = _conversation(_graph("outbound_reminder"))
    assert conversation.has_voicemail_branch
    assert conversation.answered_by_machine()
    text, actions = await _say(conversation, "")
    assert "call us back" in text
    assert "yes or no" not in text.lower()  # no question for a machine
    assert [a["action"] for a in actions] == ["hangup"]
    assert conversation.ended


async def test_outbound_reminder_no_longer_guesses_voicemail_from_words() -> None:
    text, actions = await _say(
        _conversation(_graph("outbound_reminder")), "Please leave a message after the tone"
    )
    assert "call us back" not in text
    assert actions == []


class _Bookings(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Bookings.received.append(body)
        payload = json.dumps({"reference": "BK-42"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def booking_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Bookings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/bookings"
    server.shutdown()


async def test_appointment_booking_collects_confirms_and_books(booking_url: str) -> None:
    graph = _graph("appointment_booking")
    next(n for n in graph["nodes"] if n["id"] == "book")["data"]["config"]["url"] = booking_url
    conversation = _conversation(graph)
    assert "Which day" in (await _say(conversation, "Ada Lovelace"))[0]
    assert "Shall I book it" in (await _say(conversation, "next Tuesday"))[0]
    text, actions = await _say(conversation, "yes please")
    assert "reference is BK-42" in text
    assert _Bookings.received[-1] == {"name": "Ada Lovelace", "date": "next Tuesday", "phone": ""}
    assert actions[-1]["action"] == "hangup"


async def test_appointment_booking_speaks_an_apology_when_the_endpoint_is_down() -> None:
    graph = _graph("appointment_booking")
    next(n for n in graph["nodes"] if n["id"] == "book")["data"]["config"]["url"] = (
        "http://127.0.0.1:9/unreachable"
    )
    conversation = _conversation(graph)
    await _say(conversation, "Grace")
    await _say(conversation, "Friday")
    text, _ = await _say(conversation, "yes")
    assert "could not reach the booking system" in text


async def test_appointment_booking_asks_for_another_date_on_no() -> None:
    conversation = _conversation(_graph("appointment_booking"))
    await _say(conversation, "Alan")
    await _say(conversation, "Monday")
    text, _ = await _say(conversation, "no, another day")
    assert "Which day would suit you instead" in text
    assert (await _say(conversation, "Wednesday"))[0].startswith("So that is Wednesday")
