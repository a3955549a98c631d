"""HTTP calls made by nodes (HTTP request node, agent HTTP tools), and reading JSON answers."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from pipelines.engine.runtime import TurnState

# What an LLM tool result or a trace keeps of a response body.
MAX_BODY_CHARS = 2000


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


def refused_host(url: str) -> str | None:
    """The host, when it names this machine or a private network (designers must not reach
    the server's own services or cloud metadata). Hostnames are not resolved: that check
    belongs to an egress proxy, which a deployment should add."""
    try:
        host = httpx.URL(url).host
    except (httpx.InvalidURL, ValueError):
        return None  # the request itself reports the bad URL
    if host == "localhost" or host.endswith(".localhost"):
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    internal = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )
    return host if internal else None


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
    """One request under both its own timeout and the turn's deadline; never raises."""
    if not turn.providers.allow_private_network:
        host = refused_host(url)
        if host is not None:
            return HttpOutcome(False, None, None, "", f"requests to {host} are not allowed")
    loop = asyncio.get_running_loop()
    budget = min(timeout_s, max(0.0, turn.deadline - loop.time()))
    try:
        async with asyncio.timeout(budget):
            response = await turn.providers.http.request(
                method,
                url,
                headers=dict(headers),
                json=json_body,
                content=content,
                params=dict(params) if params else None,
            )
    except TimeoutError:
        return HttpOutcome(False, None, None, "", f"no answer within {budget:.1f}s")
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:
        return HttpOutcome(False, None, None, "", f"request failed: {error}")
    text = response.text
    try:
        body: Any = response.json() if text else None
    except ValueError:
        body = None
    ok = response.is_success
    failure = "" if ok else f"the server answered {response.status_code}"
    return HttpOutcome(ok, response.status_code, body, text[:MAX_BODY_CHARS], failure)
