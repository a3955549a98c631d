"""Provider-neutral LLM types: what the engine sends and what every client streams back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant", "tool"]
LLMErrorKind = Literal[
    "rate_limited", "timeout", "server", "connection", "auth", "bad_request", "protocol"
]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A function the model may call; ``parameters`` is a JSON Schema object."""

    name: str
    description: str
    parameters: Mapping[str, Any] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A complete tool call, its JSON arguments already assembled and parsed."""

    id: str
    name: str
    arguments: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    # For role "tool": the id of the call this message answers.
    tool_call_id: str | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens
        )


@dataclass(frozen=True, slots=True)
class LLMDelta:
    """One streamed piece: some text, one finished tool call, or the token usage."""

    text: str = ""
    tool_call: ToolCall | None = None
    usage: Usage | None = None


class LLMError(Exception):
    """Any provider failure, mapped to one type so callers handle one thing."""

    def __init__(
        self,
        message: str,
        *,
        kind: LLMErrorKind,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: LLMErrorKind = kind
        self.status = status
        self.retry_after_s = retry_after_s

    @property
    def retryable(self) -> bool:
        return self.kind in ("rate_limited", "timeout", "server", "connection")


@runtime_checkable
class LLMClient(Protocol):
    """A streaming chat model. Implementations raise only ``LLMError``."""

    model: str

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        temperature: float | None = None,
        max_tokens: int | None = None,
        model: str | None = None,
    ) -> AsyncIterator[LLMDelta]: ...
