"""Provider failures (HTTP status, in-stream error events, transport) mapped to LLMError."""

from __future__ import annotations

from types import ModuleType

import httpx
import httpx2

from voice_models.llm.types import LLMError, LLMErrorKind

_IN_STREAM_KINDS: dict[str, LLMErrorKind] = {
    "rate_limit_error": "rate_limited",
    "overloaded_error": "server",
    "api_error": "server",
    "server_error": "server",
    "timeout_error": "timeout",
}


def in_stream_kind(body: object) -> LLMErrorKind:
    """Kind of an error event inside a 200 stream, from its ``error.type``."""
    error = body.get("error", body) if isinstance(body, dict) else None
    error_type = error.get("type") if isinstance(error, dict) else None
    return _IN_STREAM_KINDS.get(str(error_type), "server")


def status_error(
    *, provider: str, status: int, message: str, body: object, headers: httpx2.Headers
) -> LLMError:
    """An SDK status error: a refused request, or (status 200) an error event mid-answer."""
    if status < 400:
        return LLMError(f"{provider} failed while answering: {message}", kind=in_stream_kind(body))
    return LLMError(
        f"{provider} refused the request ({status}): {message}",
        kind=kind_for_status(status),
        status=status,
        retry_after_s=retry_after_seconds(headers),
    )


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


def sdk_failures(base: type[Exception]) -> tuple[type[Exception], ...]:
    """What a client catches around an SDK call: the SDK's errors (``base``), transport
    errors that escaped it, and ValueError (an SSE payload the SDK could not decode)."""
    return (base, *TRANSPORT_ERRORS, ValueError)


def from_sdk(error: Exception, *, sdk: ModuleType, provider: str) -> LLMError:
    """One mapping for the openai and anthropic SDKs, which share their error classes' names."""
    if isinstance(error, sdk.APITimeoutError):
        return LLMError(f"{provider} took too long to answer.", kind="timeout")
    if isinstance(error, sdk.APIStatusError):
        return status_error(
            provider=provider,
            status=error.status_code,
            message=error.message,
            body=error.body,
            headers=error.response.headers,
        )
    if isinstance(error, sdk.APIConnectionError):
        return LLMError(f"{provider} could not be reached.", kind="connection")
    if isinstance(error, TRANSPORT_ERRORS):
        return from_transport(error, provider=provider)
    return LLMError(f"{provider} sent an unreadable answer: {error}", kind="protocol")
