"""The language models' HTTP connections, kept warm for the turns of a call.

A caller's turn must not wait for what can be done before it: a TLS handshake with the
provider (one to three round trips), or the SDK's first-use costs in a fresh job process
(lazy imports, building its response models: about 45 ms on this machine). So:

- each client keeps its connections for ``KEEPALIVE_S`` between requests (the SDKs drop them
  after 5 s, and callers often take longer than that between turns);
- a call opens its clients' connections while the greeting plays (``open_connection``);
- the worker's prewarm runs one streamed completion per SDK against an in-memory transport
  (``exercise_sdks``), so the first turn of a call is as quick as the others.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import httpx2

from betool.egress import LLM_KEEPALIVE_S as KEEPALIVE_S

logger = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 3.0


def llm_http_client(
    *, timeout_s: float, transport: httpx2.AsyncBaseTransport | None = None
) -> httpx2.AsyncClient:
    """The HTTP client behind one language-model client, as the SDKs build it, on
    ``transport`` (a call's: the egress policy's) or else aiohttp's, either way with the
    connections kept for ``KEEPALIVE_S``."""
    from betool.aiohttp_transport import AiohttpTransport

    return httpx2.AsyncClient(
        timeout=timeout_s,
        follow_redirects=True,
        transport=transport or AiohttpTransport(keepalive_s=KEEPALIVE_S),
    )


async def open_connection(http: httpx2.AsyncClient, url: str) -> None:
    """Connects ``http`` to ``url``'s host ahead of the first request, with a HEAD request
    whose answer does not matter. An unreachable provider is left to the turn, which speaks
    the fallback line."""
    try:
        await http.head(url, timeout=OPEN_TIMEOUT_S)
    except httpx2.HTTPError as error:
        logger.info("could not open a connection to %s ahead of time: %s", url, error)


class _SDK(Protocol):
    @property
    def base_url(self) -> Any: ...

    async def close(self) -> None: ...


class SDKClient:
    """What every language model's SDK client shares: the name its usage is booked under, an
    HTTP client kept alive across the caller's pauses (a test or warm-up answers in memory
    through ``transport``), and its connection opened ahead of the first turn. A subclass
    builds its SDK on ``self._http`` as ``self._client``."""

    _client: _SDK

    def __init__(
        self,
        *,
        model: str,
        usage_name: str,
        timeout_s: float,
        transport: httpx2.AsyncBaseTransport | None,
    ) -> None:
        self.model = model
        # What its usage is booked under: the configuration's name (default: the model id).
        self.usage_name = usage_name or model
        self._http = llm_http_client(timeout_s=timeout_s, transport=transport)

    async def warm(self) -> None:
        """Connects to the provider before the first turn needs it."""
        await open_connection(self._http, str(self._client.base_url))

    async def aclose(self) -> None:
        await self._client.close()


def _sse(events: Sequence[tuple[str | None, Mapping[str, Any]]]) -> bytes:
    lines = []
    for name, data in events:
        if name is not None:
            lines.append(f"event: {name}")
        lines.append(f"data: {json.dumps(data)}\n")
    return ("\n".join(lines) + "\n").encode()


_OPENAI_STREAM = _sse(
    [
        (None, {"id": "w", "object": "chat.completion.chunk", "created": 0, "model": "w",
                "choices": [{"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}]}),
        (None, {"id": "w", "object": "chat.completion.chunk", "created": 0, "model": "w",
                "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                         "total_tokens": 2}}),
    ]
) + b"data: [DONE]\n\n"  # fmt: skip

_ANTHROPIC_STREAM = _sse(
    [
        ("message_start", {"type": "message_start", "message": {
            "id": "w", "type": "message", "role": "assistant", "content": [], "model": "w",
            "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 1}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": "ok"}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                           "usage": {"output_tokens": 1}}),
        ("message_stop", {"type": "message_stop"}),
    ]
)  # fmt: skip


def _answering(stream: bytes) -> httpx2.MockTransport:
    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=stream)

    return httpx2.MockTransport(answer)


async def exercise_sdks() -> dict[str, str]:
    """One streamed completion through each SDK's client, answered in memory: what each
    streamed, by provider (a provider whose SDK failed to run is left out and logged)."""
    from voice_models.llm.anthropic_messages import AnthropicClient
    from voice_models.llm.openai_chat import OpenAIChatClient
    from voice_models.llm.types import ChatMessage

    clients: dict[str, Callable[[], Any]] = {
        "openai": lambda: OpenAIChatClient(
            model="warm", api_key="warm", base_url="http://warm.invalid/v1",
            transport=_answering(_OPENAI_STREAM),
        ),
        "anthropic": lambda: AnthropicClient(
            model="warm", api_key="warm", base_url="http://warm.invalid",
            transport=_answering(_ANTHROPIC_STREAM),
        ),
    }  # fmt: skip
    streamed: dict[str, str] = {}
    for provider, build in clients.items():
        client = build()
        try:
            text = [d.text async for d in client.stream([ChatMessage("user", "warm")]) if d.text]
            streamed[provider] = "".join(text)
        except Exception:
            logger.warning("the %s SDK could not be warmed up", provider, exc_info=True)
        finally:
            await client.aclose()
    return streamed
