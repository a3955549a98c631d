"""Small loopback HTTP servers speaking OpenAI chat-completions and Anthropic messages SSE.

The real SDK clients are pointed at them, so tests exercise the real client code: streaming
text, tool calls with fragmented JSON arguments, token usage, 429/500 errors and slow answers.
Each server plays scripted replies in order and records the request bodies it received.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web


@dataclass
class ScriptedReply:
    text: list[str] = field(default_factory=list)
    # (name, arguments): arguments are streamed in small JSON fragments.
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    error_message: str = "scripted failure"
    retry_after: str | None = None
    # Before the response headers / between streamed events.
    delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    # Stall this long after the first event (a provider that hangs mid-stream).
    stall_after_first_s: float = 0.0
    input_tokens: int = 12
    output_tokens: int = 7
    # Send the provider's in-stream error event after the first text piece.
    error_midstream: bool = False
    # Anthropic: report the input tokens in message_delta, 0 in message_start (as streaming
    # proxies in front of other models do).
    input_tokens_at_end: bool = False


def _fragments(arguments: dict[str, Any], size: int = 7) -> Iterator[str]:
    encoded = json.dumps(arguments)
    for start in range(0, len(encoded), size):
        yield encoded[start : start + size]


class _FakeServer:
    path = ""

    def __init__(self, replies: list[ScriptedReply] | None = None) -> None:
        self.replies: list[ScriptedReply] = list(replies or [])
        self.requests: list[dict[str, Any]] = []
        self.request_headers: list[dict[str, str]] = []
        # (method, the client's address) of every request, whatever its path: one address
        # per connection the client opened.
        self.seen: list[tuple[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def connections(self) -> int:
        return len({peer for _, peer in self.seen})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> _FakeServer:
        @web.middleware
        async def note_peer(request: web.Request, handler: Any) -> web.StreamResponse:
            self.seen.append(
                (request.method, request.transport and request.transport.get_extra_info("peername"))
            )
            return await handler(request)

        app = web.Application(middlewares=[note_peer])
        app.router.add_post(self.path, self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _next_reply(self) -> ScriptedReply:
        return self.replies.pop(0) if self.replies else ScriptedReply(text=["OK."])

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        self.request_headers.append({k.lower(): v for k, v in request.headers.items()})
        reply = self._next_reply()
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        if reply.status != 200:
            headers = {"retry-after": reply.retry_after} if reply.retry_after else {}
            return web.json_response(self.error_body(reply), status=reply.status, headers=headers)
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        try:
            await response.prepare(request)
            first = True
            async for payload in self.events(reply, request):
                await response.write(payload.encode())
                if first and reply.stall_after_first_s:
                    await asyncio.sleep(reply.stall_after_first_s)
                first = False
                if reply.chunk_delay_s:
                    await asyncio.sleep(reply.chunk_delay_s)
            await response.write_eof()
        except ConnectionError:
            pass  # the client gave up (a timeout under test): nothing left to send
        return response

    def error_body(self, reply: ScriptedReply) -> dict[str, Any]:
        raise NotImplementedError

    def events(self, reply: ScriptedReply, request: web.Request) -> AsyncIterator[str]:
        raise NotImplementedError


class FakeOpenAIServer(_FakeServer):
    """``base_url=f"{server.url}/v1"``"""

    path = "/v1/chat/completions"

    def error_body(self, reply: ScriptedReply) -> dict[str, Any]:
        return {"error": {"message": reply.error_message, "type": "error", "code": reply.status}}

    async def events(self, reply: ScriptedReply, request: web.Request) -> AsyncIterator[str]:
        body = self.requests[-1]
        base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0}
        base["model"] = body.get("model", "fake")

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            return f"data: {json.dumps(base | {'choices': [choice]})}\n\n"

        yield chunk({"role": "assistant", "content": ""})
        for piece in reply.text:
            yield chunk({"content": piece})
            if reply.error_midstream:
                error = {"message": "The server had an error", "type": "server_error"}
                yield f"data: {json.dumps({'error': error})}\n\n"
                return
        for index, (name, arguments) in enumerate(reply.tool_calls):
            call_id = f"call_{index}"
            head = {"index": index, "id": call_id, "type": "function"}
            yield chunk({"tool_calls": [head | {"function": {"name": name, "arguments": ""}}]})
            for fragment in _fragments(arguments):
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
        yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
        if body.get("stream_options", {}).get("include_usage"):
            usage = {
                "prompt_tokens": reply.input_tokens,
                "completion_tokens": reply.output_tokens,
                "total_tokens": reply.input_tokens + reply.output_tokens,
            }
            yield f"data: {json.dumps(base | {'choices': [], 'usage': usage})}\n\n"
        yield "data: [DONE]\n\n"


class FakeAnthropicServer(_FakeServer):
    """``base_url=server.url``"""

    path = "/v1/messages"

    def error_body(self, reply: ScriptedReply) -> dict[str, Any]:
        kinds = {429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}
        error_type = kinds.get(reply.status, "invalid_request_error")
        return {"type": "error", "error": {"type": error_type, "message": reply.error_message}}

    async def events(self, reply: ScriptedReply, request: web.Request) -> AsyncIterator[str]:
        body = self.requests[-1]

        def event(name: str, data: dict[str, Any]) -> str:
            return f"event: {name}\ndata: {json.dumps({'type': name} | data)}\n\n"

        message = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": body.get("model", "fake"),
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": 0 if reply.input_tokens_at_end else reply.input_tokens,
                "output_tokens": 1,
            },
        }
        yield event("message_start", {"message": message})
        index = itertools.count()
        if reply.text:
            text_index = next(index)
            block = {"type": "text", "text": ""}
            yield event("content_block_start", {"index": text_index, "content_block": block})
            for piece in reply.text:
                delta = {"type": "text_delta", "text": piece}
                yield event("content_block_delta", {"index": text_index, "delta": delta})
                if reply.error_midstream:
                    error = {"type": "overloaded_error", "message": "Overloaded"}
                    yield event("error", {"error": error})
                    return
            yield event("content_block_stop", {"index": text_index})
        for number, (name, arguments) in enumerate(reply.tool_calls):
            block_index = next(index)
            block = {"type": "tool_use", "id": f"toolu_{number}", "name": name, "input": {}}
            yield event("content_block_start", {"index": block_index, "content_block": block})
            for fragment in _fragments(arguments):
                delta = {"type": "input_json_delta", "partial_json": fragment}
                yield event("content_block_delta", {"index": block_index, "delta": delta})
            yield event("content_block_stop", {"index": block_index})
        stop = "tool_use" if reply.tool_calls else "end_turn"
        yield event(
            "message_delta",
            {
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": reply.output_tokens}
                | ({"input_tokens": reply.input_tokens} if reply.input_tokens_at_end else {}),
            },
        )
        yield event("message_stop", {})
