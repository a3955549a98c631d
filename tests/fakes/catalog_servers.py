"""A local server that answers the catalog endpoints of OpenAI, Anthropic, ElevenLabs and
Deepgram in their wire formats, checking the auth header each vendor's SDK sends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

GOOD_KEY = "sk-good"


def _authorized(request: web.Request) -> bool:
    headers = request.headers
    presented = {
        headers.get("Authorization", "").removeprefix("Bearer ").removeprefix("Token "),
        headers.get("x-api-key", ""),
        headers.get("xi-api-key", ""),
    }
    return GOOD_KEY in presented


@web.middleware
async def _auth(request: web.Request, handler):  # type: ignore[no-untyped-def]
    if not _authorized(request):
        return web.json_response({"error": {"message": "invalid api key"}}, status=401)
    return await handler(request)


async def _openai_models(request: web.Request) -> web.Response:
    return web.json_response(
        {"object": "list", "data": [
            {"id": "gpt-4o-mini", "object": "model", "created": 1, "owned_by": "openai"},
            {"id": "gpt-4o", "object": "model", "created": 1, "owned_by": "openai"},
        ]}
    )  # fmt: skip


async def _anthropic_models(request: web.Request) -> web.Response:
    return web.json_response(
        {"data": [{"type": "model", "id": "claude-haiku-4-5", "display_name": "Claude Haiku 4.5",
                   "created_at": "2025-10-01T00:00:00Z"}],
         "has_more": False, "first_id": "claude-haiku-4-5", "last_id": "claude-haiku-4-5"}
    )  # fmt: skip


async def _eleven_voices(request: web.Request) -> web.Response:
    return web.json_response(
        {"voices": [{"voice_id": "21m00Tcm4TlvDq8ikWAM", "name": "Rachel"},
                    {"voice_id": "AZnzlk1XvdvUeBnXmlld", "name": "Domi"}]}
    )  # fmt: skip


async def _eleven_models(request: web.Request) -> web.Response:
    return web.json_response([{"model_id": "eleven_flash_v2_5", "name": "Eleven Flash v2.5"}])


async def _deepgram_models(request: web.Request) -> web.Response:
    return web.json_response(
        {"stt": [{"name": "nova-3", "canonical_name": "nova-3", "architecture": "nova-3",
                  "languages": ["en"], "version": "2025-01-01", "uuid": "u1",
                  "batch": True, "streaming": True, "formatted_output": True}],
         "tts": [{"name": "aura-2-thalia-en", "canonical_name": "aura-2-thalia-en",
                  "architecture": "aura-2", "languages": ["en"], "version": "1", "uuid": "u2",
                  "metadata": {}}]}
    )  # fmt: skip


@asynccontextmanager
async def catalog_server(*, keyless: bool = False) -> AsyncIterator[str]:
    """``keyless``: answers without a key, as a local llama.cpp, Ollama or vLLM server does."""
    app = web.Application(middlewares=[] if keyless else [_auth])
    app.router.add_get("/v1/models", _openai_models)
    app.router.add_get("/anthropic/v1/models", _anthropic_models)
    app.router.add_get("/v1/voices", _eleven_voices)
    app.router.add_get("/v2/voices", _eleven_voices)
    app.router.add_get("/deepgram/v1/models", _deepgram_models)
    app.router.add_get("/elevenlabs/v1/voices", _eleven_voices)
    app.router.add_get("/elevenlabs/v2/voices", _eleven_voices)
    app.router.add_get("/elevenlabs/v1/models", _eleven_models)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def serve_forever(*, keyless: bool) -> None:
    """Prints the server's URL on one line, then serves until the process is ended."""
    import asyncio

    async with catalog_server(keyless=keyless) as url:
        print(url, flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    import asyncio
    import sys

    asyncio.run(serve_forever(keyless="--keyless" in sys.argv))
