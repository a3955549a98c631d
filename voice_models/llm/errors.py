"""Mapping of transport-level failures shared by every SDK-based client."""

from __future__ import annotations

import httpx
import httpx2

from voice_models.llm.types import LLMError, LLMErrorKind


def kind_for_status(status: int) -> LLMErrorKind:
    if status == 429:
        return "rate_limited"
    if status in (401, 403):
        return "auth"
    if status in (408, 504):
        return "timeout"
    if status >= 500:
        return "server"
    return "bad_request"


# The SDKs run on httpx2 (a fork with httpx's API); errors mid-stream are not wrapped by them.
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError, httpx2.HTTPError)


def retry_after_seconds(headers: httpx.Headers | httpx2.Headers | None) -> float | None:
    if headers is None:
        return None
    value = headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def from_transport(error: Exception, *, provider: str) -> LLMError:
    """A transport error that escaped the SDK (mid-stream reads are not wrapped by it)."""
    if isinstance(error, httpx.TimeoutException | httpx2.TimeoutException):
        return LLMError(f"{provider} took too long to answer.", kind="timeout")
    return LLMError(f"{provider} connection failed: {error}", kind="connection")
