"""A Transfer node's outcomes (accepted, declined, busy, no answer, failed) are outputs: the
session reports the outcome after the turn and the next turn starts on the chosen output."""

from __future__ import annotations

from typing import Any

from pipelines.graph.validation import validate_graph
from pipelines.nodes import node_type_catalog
from pipelines.nodes.call_control import TransferParams
from pipelines.turn.voice import VoiceActions
from tests.unit.pipelines.graphs import (
    chain,
    collect,
    conversation,
    document,
    edge,
    node,
    start,
    texts,
)


def _transfer_graph(*wired: str) -> dict[str, Any]:
    nodes = [
        start(receiver="phone_gateway"),
        node("t", "transfer", destination="+15550111", mode="warm"),
        *(node(f"say_{h}", "say", text=f"Outcome {h}.") for h in wired),
        node("menu", "say", text="Main menu."),
    ]
    edges = [*chain("start", "t"), *(edge("t", h, f"say_{h}") for h in wired)]
    return document(nodes, edges)


def _voice() -> tuple[VoiceActions, list[TransferParams]]:
    asked: list[TransferParams] = []

    async def transfer(params: TransferParams) -> str:
        asked.append(params)
        return "dialling"

    return VoiceActions(transfer=transfer), asked


def test_the_catalog_lists_the_outcomes_as_outputs_and_the_modes() -> None:
    transfer = next(e for e in node_type_catalog() if e["type"] == "transfer")
    assert transfer["outputs"] == ["accepted", "declined", "busy", "no_answer", "failed"]
    assert transfer["config_schema"]["properties"]["mode"]["enum"] == ["cold", "warm"]
    assert transfer["defaults"] is None or transfer["defaults"]["mode"] == "cold"


def test_open_outcomes_are_valid_and_wired_ones_are_routes() -> None:
    for doc in (_transfer_graph(), _transfer_graph("busy", "failed", "accepted")):
        problems = validate_graph(doc)
        assert [p for p in problems if p.node_id == "t"] == [], problems


def test_an_edge_from_an_outcome_the_node_does_not_have_is_refused() -> None:
    doc = _transfer_graph()
    doc["nodes"].append(node("x", "say", text="x"))
    doc["edges"].append(edge("t", "voicemail", "x"))
    assert any(p.edge_id == doc["edges"][-1]["id"] for p in validate_graph(doc))


async def test_the_next_turn_starts_on_the_reported_outcome() -> None:
    voice, asked = _voice()
    talk = conversation(_transfer_graph("busy", "failed"), voice=voice, source_type="phone_gateway")
    await collect(talk.run_turn("an agent please"))
    assert asked == [TransferParams(destination="+15550111", mode="warm")]
    assert talk.ended
    assert talk.continue_on("busy") is True
    assert not talk.ended
    assert texts(await collect(talk.run_turn(""))) == ["Outcome busy."]
    # Only once: the turn after starts at Start again.
    assert texts(await collect(talk.run_turn("again"))) == ["Let me transfer you now."]


async def test_a_failure_without_its_own_output_follows_failed() -> None:
    voice, _ = _voice()
    talk = conversation(_transfer_graph("failed"), voice=voice, source_type="phone_gateway")
    await collect(talk.run_turn("transfer me"))
    assert talk.continue_on("no_answer") is True
    assert texts(await collect(talk.run_turn(""))) == ["Outcome failed."]


async def test_an_outcome_with_nothing_wired_leaves_the_next_turn_at_start() -> None:
    voice, _ = _voice()
    talk = conversation(_transfer_graph("busy"), voice=voice, source_type="phone_gateway")
    await collect(talk.run_turn("transfer me"))
    # "accepted" never falls back to "failed"; "declined" has neither.
    assert talk.continue_on("accepted") is False
    await collect(talk.run_turn("transfer me"))
    assert talk.continue_on("declined") is False


async def test_an_outcome_after_a_turn_without_an_action_changes_nothing() -> None:
    talk = conversation(_transfer_graph("busy"), source_type="phone_gateway")
    assert talk.continue_on("busy") is False
