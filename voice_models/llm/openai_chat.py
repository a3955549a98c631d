"""OpenAI chat completions (and any OpenAI-compatible server) through the official SDK."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai
from openai.types.chat import ChatCompletion

from voice_models.llm.connections import SDKClient
from voice_models.llm.errors import from_sdk, sdk_failures
from voice_models.llm.types import ChatMessage, LLMDelta, LLMError, ToolCall, ToolSpec, Usage

_PROVIDER = "The OpenAI-compatible model"


def _wire_message(message: ChatMessage) -> dict[str, Any]:
    wire: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        wire["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
        wire["content"] = message.content or None
    if message.tool_call_id is not None:
        wire["tool_call_id"] = message.tool_call_id
    return wire


def _wire_tool(tool: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": dict(tool.parameters),
        },
    }


def parse_arguments(raw: str) -> dict[str, Any]:
    """Tool arguments as a dict; a model's malformed JSON becomes an empty call, not a crash."""
    try:
        parsed = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


@dataclass(slots=True)
class _PendingCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    def finish(self) -> ToolCall:
        return ToolCall(self.id, self.name, parse_arguments("".join(self.arguments)))


def _chunk_deltas(chunk: object, pending: dict[int, _PendingCall]) -> list[LLMDelta]:
    """The text and usage of one streamed chunk (wire JSON); tool call fragments are
    gathered in ``pending``. Whatever is missing or malformed is skipped, as the SDK's
    models left it unset."""
    if not isinstance(chunk, dict):
        return []
    deltas: list[LLMDelta] = []
    usage = chunk.get("usage")
    if isinstance(usage, dict):
        tokens = Usage(usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0)
        deltas.append(LLMDelta(usage=tokens))
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if not isinstance(delta, dict):
            continue
        content = delta.get("content")
        if content and isinstance(content, str):
            deltas.append(LLMDelta(text=content))
        for fragment in delta.get("tool_calls") or ():
            if not isinstance(fragment, dict):
                continue
            call = pending.setdefault(int(fragment.get("index") or 0), _PendingCall())
            if fragment.get("id"):
                call.id = str(fragment["id"])
            function = fragment.get("function")
            if isinstance(function, dict):
                call.name += function.get("name") or ""
                call.arguments.append(function.get("arguments") or "")
    return deltas


_FAILURES = sdk_failures(openai.OpenAIError)


def _map_error(error: Exception) -> LLMError:
    return from_sdk(error, sdk=openai, provider=_PROVIDER)


def _request(
    messages: Sequence[ChatMessage],
    tools: Sequence[ToolSpec],
    temperature: float | None,
    max_tokens: int | None,
    model: str,
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "model": model,
        "messages": [_wire_message(message) for message in messages],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if tools:
        request["tools"] = [_wire_tool(tool) for tool in tools]
    if temperature is not None:
        request["temperature"] = temperature
    if max_tokens is not None:
        request["max_tokens"] = max_tokens
    return request


class OpenAIChatClient(SDKClient):
    """Streams chat completions; ``base_url`` points it at any OpenAI-compatible server."""

    _client: openai.AsyncOpenAI

    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 0,
        transport: httpx2.AsyncBaseTransport | None = None,
        usage_name: str = "",
    ) -> None:
        super().__init__(
            model=model, usage_name=usage_name, timeout_s=timeout_s, transport=transport
        )
        # Retries default to 0: on a live call a quick fallback line beats a silent retry.
        self._client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout_s,
            max_retries=max_retries,
            http_client=self._http,
        )

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        temperature: float | None = None,
        max_tokens: int | None = None,
        model: str | None = None,
    ) -> AsyncIterator[LLMDelta]:
        request = _request(messages, tools, temperature, max_tokens, model or self.model)
        pending: dict[int, _PendingCall] = {}
        try:
            # The request is wire JSON already: ``chat.completions.create`` would first walk
            # it against the SDK's TypedDicts, several milliseconds of a turn's CPU on the
            # call's event loop, to produce the same body. Posted as create posts it.
            # Chunks come as the JSON the server sent (``AsyncStream[object]``): building a
            # ``ChatCompletionChunk`` model of each one is most of the SDK's CPU per token,
            # on the call's event loop, ahead of the first sentence the caller hears. The
            # SDK still decodes the events and raises a streamed error as before.
            response = await self._client.post(
                "/chat/completions",
                body=request,
                cast_to=ChatCompletion,
                options={"security": {"bearer_auth": True}},
                stream=True,
                stream_cls=openai.AsyncStream[object],
            )
            async for chunk in response:
                for delta in _chunk_deltas(chunk, pending):
                    yield delta
        except LLMError:
            raise
        except _FAILURES as error:
            raise _map_error(error) from error
        # Arguments arrive in fragments; a call is only usable once the stream has ended.
        for index in sorted(pending):
            yield LLMDelta(tool_call=pending[index].finish())
