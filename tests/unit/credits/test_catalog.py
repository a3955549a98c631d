"""Connection tests and catalogs through each vendor's own SDK, against a local server."""

from __future__ import annotations

import pytest

from tests.fakes.catalog_servers import GOOD_KEY, catalog_server
from voice_models.adapters import ModelConfig
from voice_models.catalog import connection_test


@pytest.fixture(autouse=True)
def generous_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loopback server answers in milliseconds, but a vendor SDK's first import on a loaded
    machine has taken longer than the product's 8 s: the tests check answers, not speed."""
    monkeypatch.setattr("voice_models.catalog.CATALOG_TIMEOUT_S", 60.0)


def _config(provider: str, kind: str, base_path: str, base: str, key: str) -> ModelConfig:
    return ModelConfig(
        name="m", kind=kind, provider=provider, base_url=base + base_path, api_key=key
    )


@pytest.mark.parametrize(
    ("provider", "kind", "path", "expected"),
    [
        ("openai", "llm", "/v1", "gpt-4o-mini"),
        ("openai_compatible", "llm", "/v1", "gpt-4o"),
        ("anthropic", "llm", "/anthropic", "claude-haiku-4-5"),
        ("elevenlabs", "tts", "/elevenlabs", "Rachel"),
        ("deepgram", "asr", "/deepgram", "nova-3"),
        ("deepgram", "tts", "/deepgram", "aura-2-thalia-en"),
    ],
)
async def test_catalog_lists_what_the_provider_offers(
    provider: str, kind: str, path: str, expected: str
) -> None:
    async with catalog_server() as base:
        result = await connection_test(_config(provider, kind, path, base, GOOD_KEY))
    assert result.ok, result.message
    assert result.catalog is not None
    items = result.catalog.models + result.catalog.voices
    names = {i.name for i in items} | {i.id for i in items}
    assert expected in names


@pytest.mark.parametrize(
    ("provider", "kind", "path"),
    [("openai", "llm", "/v1"), ("anthropic", "llm", "/anthropic"),
     ("elevenlabs", "tts", "/elevenlabs"), ("deepgram", "asr", "/deepgram")],
)  # fmt: skip
async def test_a_wrong_key_is_explained(provider: str, kind: str, path: str) -> None:
    async with catalog_server() as base:
        result = await connection_test(_config(provider, kind, path, base, "sk-wrong"))
    assert not result.ok
    assert "refused the key" in result.message


async def test_an_unreachable_provider_is_explained() -> None:
    result = await connection_test(
        ModelConfig(name="m", kind="llm", provider="openai", base_url="http://127.0.0.1:9/v1")
    )
    assert not result.ok
    assert "Could not reach the provider" in result.message


async def test_local_espeak_is_always_available() -> None:
    result = await connection_test(ModelConfig(name="m", kind="tts", provider="local_espeak"))
    assert result.ok, result.message
