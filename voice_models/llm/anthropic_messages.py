"""Anthropic's messages API, streamed through the official SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import anthropic
import httpx2

from voice_models.llm.connections import SDKClient
from voice_models.llm.errors import from_sdk, sdk_failures
from voice_models.llm.openai_chat import parse_arguments
from voice_models.llm.types import ChatMessage, LLMDelta, LLMError, ToolCall, ToolSpec, Usage

_PROVIDER = "The Anthropic model"
_DEFAULT_MAX_TOKENS = 1024
_CALL_CONNECTED = "(The call has connected.)"


def _wire_messages(messages: Sequence[ChatMessage]) -> tuple[str, list[dict[str, Any]]]:
    """Anthropic keeps the system prompt apart and wants tool results inside a user turn."""
    system = "\n\n".join(message.content for message in messages if message.role == "system")
    wire: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        if message.role == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id or "",
                "content": message.content,
            }
            if wire and wire[-1]["role"] == "user" and isinstance(wire[-1]["content"], list):
                wire[-1]["content"].append(block)
            else:
                wire.append({"role": "user", "content": [block]})
            continue
        if message.tool_calls:
            content: list[dict[str, Any]] = []
            if message.content:
                content.append({"type": "text", "text": message.content})
            content.extend(
                {
                    "type": "tool_use",
                    "id": call.id,
                    "name": call.name,
                    "input": dict(call.arguments),
                }
                for call in message.tool_calls
            )
            wire.append({"role": "assistant", "content": content})
            continue
        wire.append({"role": message.role, "content": message.content})
    if wire and wire[0]["role"] == "assistant":
        # The conversation opens with the agent's greeting, but Anthropic wants a user turn
        # first: stand in for the moment the call connected.
        wire.insert(0, {"role": "user", "content": _CALL_CONNECTED})
    return system, wire


_FAILURES = sdk_failures(anthropic.AnthropicError)


def _map_error(error: Exception) -> LLMError:
    return from_sdk(error, sdk=anthropic, provider=_PROVIDER)


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class _ToolBlocks:
    """The stream's tool-use blocks, by content index, until each one ends: its id, its
    name and its input's JSON fragments."""

    def __init__(self) -> None:
        self._open: dict[int, tuple[str, str, list[str]]] = {}

    def read(self, event: dict[str, Any]) -> ToolCall | None:
        """Takes a block's start, input fragment or end (wire JSON); returns the call once
        its block ends."""
        kind, index = event.get("type"), event.get("index")
        if not isinstance(index, int):
            return None
        if kind == "content_block_start":
            block = _mapping(event.get("content_block"))
            if block.get("type") == "tool_use":
                self._open[index] = (str(block.get("id") or ""), str(block.get("name") or ""), [])
        elif kind == "content_block_delta":
            delta = _mapping(event.get("delta"))
            if delta.get("type") == "input_json_delta" and index in self._open:
                self._open[index][2].append(str(delta.get("partial_json") or ""))
        elif kind == "content_block_stop" and index in self._open:
            call_id, name, fragments = self._open.pop(index)
            return ToolCall(call_id, name, parse_arguments("".join(fragments)))
        return None


class _TokenCount:
    """The message's token counts: cumulative, reported at its start and in its deltas."""

    def __init__(self) -> None:
        self.input_tokens = self.output_tokens = 0
        self._reported = False

    def start(self, usage: dict[str, Any]) -> None:
        self.input_tokens = usage.get("input_tokens") or 0
        self.output_tokens = usage.get("output_tokens") or 0

    def add(self, usage: dict[str, Any]) -> None:
        # Streaming proxies often send 0 input tokens at message_start and the real count here.
        self.input_tokens = max(self.input_tokens, usage.get("input_tokens") or 0)
        self.output_tokens = max(self.output_tokens, usage.get("output_tokens") or 0)
        self._reported = True

    def usage(self) -> Usage | None:
        if self._reported or self.input_tokens or self.output_tokens:
            return Usage(self.input_tokens, self.output_tokens)
        return None


class AnthropicClient(SDKClient):
    """Streams Claude messages, text and tool use, with token usage."""

    _client: anthropic.AsyncAnthropic

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
        max_tokens: int = _DEFAULT_MAX_TOKENS,
        send_temperature: bool = False,
    ) -> None:
        super().__init__(
            model=model, usage_name=usage_name, timeout_s=timeout_s, transport=transport
        )
        self._max_tokens = max_tokens
        # This SDK generation dropped ``temperature`` from messages.create; it is sent only
        # for models and compatible servers known to accept it.
        self._send_temperature = send_temperature
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout_s,
            max_retries=max_retries,
            http_client=self._http,
        )

    def _request(
        self,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        temperature: float | None,
        max_tokens: int | None,
        model: str | None,
    ) -> dict[str, Any]:
        system, wire = _wire_messages(messages)
        request: dict[str, Any] = {
            "model": model or self.model,
            "messages": wire,
            "max_tokens": max_tokens or self._max_tokens,
            "stream": True,
        }
        if system:
            request["system"] = system
        if tools:
            request["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": dict(t.parameters)}
                for t in tools
            ]
        if temperature is not None and self._send_temperature:
            request["temperature"] = temperature
        return request

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        temperature: float | None = None,
        max_tokens: int | None = None,
        model: str | None = None,
    ) -> AsyncIterator[LLMDelta]:
        request = self._request(messages, tools, temperature, max_tokens, model)
        tool_blocks = _ToolBlocks()
        tokens = _TokenCount()
        try:
            # Posted as ``messages.create`` posts it, its events read as the JSON the server
            # sent: building the SDK's event models for every streamed piece is CPU on the
            # call's event loop ahead of the sentence the caller hears (as for OpenAI). The
            # SDK still decodes the events and raises a streamed error as before.
            events = await self._client.post(
                "/v1/messages",
                body=request,
                cast_to=anthropic.types.Message,
                stream=True,
                stream_cls=anthropic.AsyncStream[object],
            )
            async for raw in events:
                event = _mapping(raw)
                kind = event.get("type")
                if kind == "content_block_delta":
                    delta = _mapping(event.get("delta"))
                    if delta.get("type") == "text_delta":
                        if text := delta.get("text"):
                            yield LLMDelta(text=str(text))
                        continue
                if kind == "message_start":
                    tokens.start(_mapping(_mapping(event.get("message")).get("usage")))
                elif kind == "message_delta":
                    tokens.add(_mapping(event.get("usage")))
                elif (call := tool_blocks.read(event)) is not None:
                    yield LLMDelta(tool_call=call)
            usage = tokens.usage()
            if usage is not None:
                yield LLMDelta(usage=usage)
        except LLMError:
            raise
        except _FAILURES as error:
            raise _map_error(error) from error
