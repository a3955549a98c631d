"""HTTP calls made by nodes (HTTP request node, agent HTTP tools), and reading JSON answers."""

from __future__ import annotations

import asyncio
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
    except (httpx.HTTPError, ValueError) as error:
        return HttpOutcome(False, None, None, "", f"request failed: {error}")
    text = response.text
    try:
        body: Any = response.json() if text else None
    except ValueError:
        body = None
    ok = response.is_success
    failure = "" if ok else f"the server answered {response.status_code}"
    return HttpOutcome(ok, response.status_code, body, text[:MAX_BODY_CHARS], failure)
