"""One signed POST to an endpoint, through the egress policy (as HTTP request nodes)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from betool.egress import EgressPolicy, EgressTransport

EXCERPT_CHARS = 500
_READ_LIMIT = 16_384


@dataclass(frozen=True, slots=True)
class HttpOutcome:
    status_code: int | None
    latency_ms: int
    excerpt: str
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def _post(
    *, url: str, headers: dict[str, str], body: bytes, timeout_s: float, allow_private: bool
) -> HttpOutcome:
    started = time.monotonic()
    transport = EgressTransport(policy=EgressPolicy(allow_private=allow_private))

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    # Redirects are not followed: an endpoint answers where it was registered.
    async with httpx.AsyncClient(
        transport=transport, timeout=timeout_s, follow_redirects=False
    ) as client:
        try:
            async with client.stream("POST", url, content=body, headers=headers) as response:
                received = b""
                async for chunk in response.aiter_bytes():
                    received += chunk
                    if len(received) >= _READ_LIMIT:
                        break
                excerpt = received.decode("utf-8", "replace")[:EXCERPT_CHARS]
                error = "" if response.is_success else f"answered HTTP {response.status_code}"
                return HttpOutcome(response.status_code, elapsed(), excerpt, error)
        except httpx.TimeoutException:
            return HttpOutcome(None, elapsed(), "", f"no answer within {timeout_s:g} s")
        except httpx.HTTPError as error:
            return HttpOutcome(None, elapsed(), "", str(error)[:300] or type(error).__name__)


def post_signed(
    *, url: str, headers: dict[str, str], body: bytes, timeout_s: float, allow_private: bool
) -> HttpOutcome:
    """Blocking: Celery tasks call it from their own thread."""
    return asyncio.run(
        _post(url=url, headers=headers, body=body, timeout_s=timeout_s, allow_private=allow_private)
    )
