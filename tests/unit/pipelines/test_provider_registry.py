"""The provider registry closes what it owns, once, and nothing it was lent."""

from __future__ import annotations

import asyncio

from pipelines.turn.providers import ProviderRegistry


class Client:
    def __init__(self) -> None:
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1


def test_a_call_registry_closes_its_language_model_clients_once() -> None:
    shared, own = Client(), Client()
    # One client under its configuration name and its model id, as provider_registry lists it.
    owned = ProviderRegistry(llms={"Support": own, "gpt-4o": own}, owns_llms=True)  # type: ignore[dict-item]
    lent = ProviderRegistry(llms={"Support": shared})  # type: ignore[dict-item]
    asyncio.run(owned.aclose())
    asyncio.run(owned.aclose())
    asyncio.run(lent.aclose())
    assert own.closed == 1
    assert shared.closed == 0


def test_the_registry_built_for_a_call_owns_its_clients(settings: object) -> None:
    from pipelines.providers import provider_registry
    from voice_models.adapters import ModelConfig

    config = ModelConfig(name="Local", kind="llm", provider="openai_compatible",
                         model="llama", base_url="http://127.0.0.1:9/v1")  # fmt: skip
    registry = provider_registry(llm_configs=[config])
    client = registry.llm("Local")
    asyncio.run(registry.aclose())
    assert client._client.is_closed()  # type: ignore[attr-defined]
