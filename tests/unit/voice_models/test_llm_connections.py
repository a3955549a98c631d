"""A call's language-model connections: opened before the first turn, kept between turns,
and the SDKs' first-use costs paid before any call."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp.connector
import pytest

from pipelines.turn.providers import ProviderRegistry
from tests.fakes.llm_servers import FakeAnthropicServer, FakeOpenAIServer
from voice_models.llm import AnthropicClient, ChatMessage, OpenAIChatClient
from voice_models.llm.connections import KEEPALIVE_S, exercise_sdks

Client = OpenAIChatClient | AnthropicClient
PROVIDERS: list[tuple[type[FakeOpenAIServer] | type[FakeAnthropicServer], Callable[[str], Any]]] = [
    (FakeOpenAIServer, lambda url: OpenAIChatClient(model="m", api_key="k", base_url=f"{url}/v1")),
    (FakeAnthropicServer, lambda url: AnthropicClient(model="m", api_key="k", base_url=url)),
]
IDS = ["openai", "anthropic"]


@pytest.fixture
async def opened() -> AsyncIterator[list[Client]]:
    clients: list[Client] = []
    yield clients
    for client in clients:
        await client.aclose()


async def ask(client: Client) -> str:
    deltas = client.stream([ChatMessage("user", "Where is my order?")])
    return "".join([delta.text async for delta in deltas if delta.text])


@pytest.mark.parametrize(("server_type", "build"), PROVIDERS, ids=IDS)
async def test_warming_opens_the_connection_the_first_turn_then_uses(
    server_type: Any, build: Callable[[str], Client], opened: list[Client]
) -> None:
    async with server_type() as server:
        client = build(server.url)
        opened.append(client)
        await client.warm()
        assert server.connections == 1
        assert [method for method, _ in server.seen] == ["HEAD"]
        assert await ask(client) == "OK."
        assert [method for method, _ in server.seen] == ["HEAD", "POST"]
        assert server.connections == 1


@pytest.mark.parametrize(("server_type", "build"), PROVIDERS, ids=IDS)
async def test_a_caller_pausing_longer_than_the_sdk_default_does_not_cost_a_new_connection(
    server_type: Any,
    build: Callable[[str], Client],
    opened: list[Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The SDKs drop an idle connection after 5 s (aiohttp after 15 s), a TLS handshake on
    the next turn."""
    async with server_type() as server:
        client = build(server.url)
        opened.append(client)
        await ask(client)
        pause_s = 30.0  # a caller reading out an order number, or thinking
        assert pause_s < KEEPALIVE_S
        monkeypatch.setattr(aiohttp.connector, "monotonic", lambda: time.monotonic() + pause_s)
        await ask(client)
        assert len(server.seen) == 2
        assert server.connections == 1


async def test_warming_an_unreachable_provider_leaves_it_to_the_turn(opened: list[Client]) -> None:
    client = OpenAIChatClient(model="m", api_key="k", base_url="http://127.0.0.1:9/v1")
    opened.append(client)
    await client.warm()  # nothing listens on the discard port: logged, not raised


async def test_each_sdk_streams_once_in_memory_without_a_network() -> None:
    assert await exercise_sdks() == {"openai": "ok", "anthropic": "ok"}


class Warmable:
    def __init__(self) -> None:
        self.warmed = 0

    async def warm(self) -> None:
        self.warmed += 1


class Broken:
    async def warm(self) -> None:
        raise ValueError("a provider URL the HTTP client refuses")


async def test_the_registry_warms_each_client_once() -> None:
    support, plain = Warmable(), object()
    # Listed under its configuration name and its model id, as provider_registry lists it.
    llms = {"Support": support, "gpt-4o": support, "Old": plain, "Broken": Broken()}
    registry = ProviderRegistry(llms=llms)  # type: ignore[arg-type]
    await registry.warm()  # the broken one is logged; the others are still warmed
    assert support.warmed == 1
