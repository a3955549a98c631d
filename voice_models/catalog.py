"""What a provider offers (models, voices), fetched with the vendor's own SDK.

Fetching the catalog is also the connection test: it proves the address and the key
without spending anything. Local providers answer from what is installed here.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from betool.egress import EgressPolicy, EgressRefused
from voice_models.adapters import ModelConfig

CATALOG_TIMEOUT_S = 8.0


@dataclass(frozen=True, slots=True)
class CatalogItem:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Catalog:
    models: list[CatalogItem] = field(default_factory=list)
    voices: list[CatalogItem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ConnectionResult:
    ok: bool
    message: str
    ms: float
    catalog: Catalog | None = None


async def _openai(config: ModelConfig) -> Catalog:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(
        api_key=config.api_key or "not-needed", base_url=config.base_url or None, max_retries=0
    )
    try:
        page = await client.models.list()
        return Catalog(models=[CatalogItem(m.id, m.id) for m in page.data])
    finally:
        await client.close()


async def _anthropic(config: ModelConfig) -> Catalog:
    from anthropic import AsyncAnthropic

    client = AsyncAnthropic(api_key=config.api_key, base_url=config.base_url or None, max_retries=0)
    try:
        page = await client.models.list()
        return Catalog(models=[CatalogItem(m.id, m.display_name or m.id) for m in page.data])
    finally:
        await client.close()


async def _elevenlabs(config: ModelConfig) -> Catalog:
    from elevenlabs.client import AsyncElevenLabs

    kwargs: dict[str, Any] = {"api_key": config.api_key}
    if config.base_url:
        kwargs["base_url"] = config.base_url
    client = AsyncElevenLabs(**kwargs)
    voices = await client.voices.get_all()
    models = await client.models.list()
    return Catalog(
        models=[CatalogItem(m.model_id, m.name or m.model_id) for m in models],
        voices=[CatalogItem(v.voice_id, v.name or v.voice_id) for v in voices.voices],
    )


async def _deepgram(config: ModelConfig) -> Catalog:
    from deepgram import AsyncDeepgramClient
    from deepgram.environment import DeepgramClientEnvironment

    kwargs: dict[str, Any] = {"api_key": config.api_key}
    if config.base_url:
        base = config.base_url.rstrip("/")
        socket = base.replace("http", "ws", 1)
        kwargs["environment"] = DeepgramClientEnvironment(
            base=base, production=socket, agent=socket, agent_rest=base
        )
    client = AsyncDeepgramClient(**kwargs)
    listing = await client.manage.v1.models.list()
    stt = [CatalogItem(m.canonical_name or m.name or "", m.name or "") for m in listing.stt or []]
    tts = [CatalogItem(m.canonical_name or m.name or "", m.name or "") for m in listing.tts or []]
    return Catalog(models=stt if config.kind == "asr" else tts)


async def _local(config: ModelConfig) -> Catalog:
    if config.provider == "local_espeak":
        from voice_models.local.espeak import synthesize_pcm

        pcm, _rate = await asyncio.to_thread(synthesize_pcm, "test")
        if not pcm:
            raise RuntimeError("espeak-ng produced no audio")
        return Catalog(voices=[CatalogItem("en-us", "English (US)")])
    if config.provider == "local_whisper":
        from voice_models.local.stt import WhisperSTT

        await asyncio.to_thread(WhisperSTT(language=config.language).load)
        return Catalog(models=[CatalogItem("whisper-base", "Whisper base (offline)")])
    from voice_models.local.stt import PocketsphinxSTT

    PocketsphinxSTT(language=config.language)
    return Catalog(models=[CatalogItem("pocketsphinx-en-us", "pocketsphinx en-US (offline)")])


_FETCHERS = {
    "openai": _openai,
    "openai_compatible": _openai,
    "anthropic": _anthropic,
    "elevenlabs": _elevenlabs,
    "deepgram": _deepgram,
}


async def provider_catalog(config: ModelConfig) -> Catalog:
    fetch = _local if config.is_local else _FETCHERS[config.provider]
    if config.base_url and not config.is_local:
        # The vendor SDKs connect by themselves: their host is checked, resolved, first.
        policy = EgressPolicy(allow_private=settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK)
        await policy.check_url(config.base_url)
    return await asyncio.wait_for(fetch(config), timeout=CATALOG_TIMEOUT_S)


def _explain(error: Exception) -> str:
    if isinstance(error, EgressRefused):
        return f"betool may not connect there: {error}."
    status = getattr(error, "status_code", None)
    if status in (401, 403):
        return "The provider refused the key (check the API key)."
    if status == 404:
        return "The provider answered, but not at this address (check the base URL)."
    if isinstance(error, TimeoutError):
        return f"The provider did not answer within {CATALOG_TIMEOUT_S:g} seconds."
    return f"Could not reach the provider: {type(error).__name__}: {error}"[:300]


async def connection_test(config: ModelConfig) -> ConnectionResult:
    began = time.perf_counter()
    try:
        catalog = await provider_catalog(config)
    except Exception as error:  # noqa: BLE001 - reported to the admin, never raised
        return ConnectionResult(False, _explain(error), (time.perf_counter() - began) * 1e3)
    found = len(catalog.models) + len(catalog.voices)
    return ConnectionResult(
        True,
        f"Connected: {found} models and voices available.",
        (time.perf_counter() - began) * 1e3,
        catalog,
    )
