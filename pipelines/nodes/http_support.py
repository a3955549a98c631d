"""HTTP calls made by nodes (HTTP request node, agent HTTP tools), and reading JSON answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from betool.egress import EgressPolicy
from pipelines.turn.runtime import TurnState

# What an LLM tool result or a trace keeps of a response body.
MAX_BODY_CHARS = 2000
# A CRM answer is a small JSON document; a bigger one is refused, not read into memory.
MAX_RESPONSE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class HttpOutcome:
    ok: bool
    status: int | None
    body: Any
    text: str
    error: str = ""


def read_path(document: Any, path: str) -> Any:
    """``customer.phones.0.number`` in a JSON document; None where the path leads nowhere."""
    value = document
    for part in path.split(".") if path else ():
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.lstrip("-").isdigit():
            index = int(part)
            value = value[index] if -len(value) <= index < len(value) else None
        else:
            return None
    return value


def refused_host(url: str, *, allow_private: bool) -> str | None:
    """Why the URL's host may not be called, from its text alone (any encoding of an
    address, ``localhost``, metadata names). The HTTP client's ``EgressTransport`` then
    checks what the name resolves to and connects to that checked address."""
    try:
        host = httpx.URL(url).host
    except (httpx.InvalidURL, ValueError):
        return None  # the request itself reports the bad URL
    reason = EgressPolicy(allow_private=allow_private).refusal_by_name(host)
    return None if reason is None else f"requests to {host} are not allowed: it is {reason}"


async def _read_capped(response: httpx.Response) -> bytes | None:
    """The body, or None once it passes ``MAX_RESPONSE_BYTES`` (the rest is not read)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def send(
    turn: TurnState,
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    timeout_s: float,
    json_body: Any = None,
    content: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> HttpOutcome:
    """One request under both its own timeout and the turn's deadline (the body's reading
    included), its answer capped at ``MAX_RESPONSE_BYTES``; never raises."""
    refusal = refused_host(url, allow_private=turn.providers.allow_private_network)
    if refusal is not None:
        return HttpOutcome(False, None, None, "", refusal)
    loop = asyncio.get_running_loop()
    budget = min(timeout_s, max(0.0, turn.deadline - loop.time()))
    try:
        async with asyncio.timeout(budget):
            request = turn.providers.http.build_request(
                method,
                url,
                headers=dict(headers),
                json=json_body,
                content=content,
                params=dict(params) if params else None,
            )
            response = await turn.providers.http.send(request, stream=True)
            try:
                raw = await _read_capped(response)
            finally:
                await response.aclose()
    except TimeoutError:
        return HttpOutcome(False, None, None, "", f"no answer within {budget:.1f}s")
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:
        return HttpOutcome(False, None, None, "", f"request failed: {error}")
    if raw is None:
        limit = f"{MAX_RESPONSE_BYTES // 1024} KiB"
        return HttpOutcome(
            False, response.status_code, None, "", f"the answer is larger than {limit}"
        )
    text = raw.decode(response.encoding or "utf-8", errors="replace")
    try:
        body: Any = json.loads(text) if text else None
    except (ValueError, RecursionError):
        body = None
    ok = response.is_success
    failure = "" if ok else f"the server answered {response.status_code}"
    return HttpOutcome(ok, response.status_code, body, text[:MAX_BODY_CHARS], failure)
