"""The real OpenAI and Anthropic SDK clients against loopback servers speaking their protocols."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.fakes.llm_servers import FakeAnthropicServer, FakeOpenAIServer, ScriptedReply
from voice_models.llm import (
    AnthropicClient,
    ChatMessage,
    LLMClient,
    LLMDelta,
    LLMError,
    OpenAIChatClient,
    ToolCall,
    ToolSpec,
    Usage,
)

LOOKUP = ToolSpec(
    "lookup_order",
    "Find an order.",
    {"type": "object", "properties": {"order": {"type": "string"}}, "required": ["order"]},
)
MESSAGES = [ChatMessage("system", "Be brief."), ChatMessage("user", "Where is my order?")]

Provider = tuple[type[FakeOpenAIServer] | type[FakeAnthropicServer], Callable[..., LLMClient]]
_opened: list[OpenAIChatClient | AnthropicClient] = []


@pytest.fixture(autouse=True)
async def _close_clients() -> AsyncIterator[None]:
    """Each test's SDK clients are closed after it, connections included."""
    yield
    while _opened:
        await _opened.pop().aclose()


def _openai(server_url: str, timeout_s: float) -> LLMClient:
    client = OpenAIChatClient(
        model="gpt-test", api_key="sk-test", base_url=f"{server_url}/v1", timeout_s=timeout_s
    )
    _opened.append(client)
    return client


def _anthropic(server_url: str, timeout_s: float) -> LLMClient:
    client = AnthropicClient(
        model="claude-test",
        api_key="sk-ant-test",
        base_url=server_url,
        timeout_s=timeout_s,
        send_temperature=True,
    )
    _opened.append(client)
    return client


PROVIDERS = [
    pytest.param((FakeOpenAIServer, _openai), id="openai"),
    pytest.param((FakeAnthropicServer, _anthropic), id="anthropic"),
]


async def _collect(stream: AsyncIterator[LLMDelta]) -> list[LLMDelta]:
    return [delta async for delta in stream]


def _text(deltas: list[LLMDelta]) -> str:
    return "".join(delta.text for delta in deltas)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_streams_text_and_reports_usage(provider: Provider) -> None:
    server_type, make_client = provider
    reply = ScriptedReply(text=["Your order ", "left today.", " Anything else?"], output_tokens=9)
    async with server_type([reply]) as server:
        deltas = await _collect(make_client(server.url, 5).stream(MESSAGES, temperature=0.2))
    assert _text(deltas) == "Your order left today. Anything else?"
    assert next(d.text for d in deltas if d.text) == "Your order "
    usages = [d.usage for d in deltas if d.usage is not None]
    assert usages[-1] == Usage(12, 9)
    assert server.requests[0]["stream"] is True
    assert server.requests[0]["temperature"] == 0.2


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_assembles_tool_calls_from_fragments(provider: Provider) -> None:
    server_type, make_client = provider
    arguments = {"order": "A-1234", "note": "urgent, please"}
    reply = ScriptedReply(text=["Let me check."], tool_calls=[("lookup_order", arguments)])
    async with server_type([reply]) as server:
        deltas = await _collect(make_client(server.url, 5).stream(MESSAGES, tools=[LOOKUP]))
    calls = [d.tool_call for d in deltas if d.tool_call is not None]
    assert len(calls) == 1
    assert calls[0].name == "lookup_order"
    assert dict(calls[0].arguments) == arguments
    assert calls[0].id
    sent_tools: Any = server.requests[0]["tools"]
    assert "lookup_order" in str(sent_tools)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_sends_tool_results_back(provider: Provider) -> None:
    server_type, make_client = provider
    call = ToolCall("call_0", "lookup_order", {"order": "A-1"})
    conversation = [
        *MESSAGES,
        ChatMessage("assistant", "", tool_calls=(call,)),
        ChatMessage("tool", '{"status": "shipped"}', tool_call_id="call_0"),
    ]
    async with server_type([ScriptedReply(text=["It shipped."])]) as server:
        deltas = await _collect(make_client(server.url, 5).stream(conversation, tools=[LOOKUP]))
    assert _text(deltas) == "It shipped."
    sent = str(server.requests[0]["messages"])
    assert "call_0" in sent
    assert "shipped" in sent


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_rate_limit_becomes_llm_error(provider: Provider) -> None:
    server_type, make_client = provider
    async with server_type([ScriptedReply(status=429, retry_after="2")]) as server:
        with pytest.raises(LLMError) as caught:
            await _collect(make_client(server.url, 5).stream(MESSAGES))
    assert caught.value.kind == "rate_limited"
    assert caught.value.status == 429
    assert caught.value.retry_after_s == 2.0
    assert caught.value.retryable


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_server_error_becomes_llm_error(provider: Provider) -> None:
    server_type, make_client = provider
    async with server_type([ScriptedReply(status=500)]) as server:
        with pytest.raises(LLMError) as caught:
            await _collect(make_client(server.url, 5).stream(MESSAGES))
    assert caught.value.kind == "server"
    assert caught.value.status == 500
    assert len(server.requests) == 1  # no silent retries on a live call


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_slow_answer_times_out(provider: Provider) -> None:
    server_type, make_client = provider
    async with server_type([ScriptedReply(text=["Late."], delay_s=1.0)]) as server:
        with pytest.raises(LLMError) as caught:
            await _collect(make_client(server.url, 0.2).stream(MESSAGES))
    assert caught.value.kind == "timeout"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_stream_that_stalls_midway_times_out(provider: Provider) -> None:
    server_type, make_client = provider
    reply = ScriptedReply(text=["Hello.", " More."], stall_after_first_s=1.0)
    async with server_type([reply]) as server:
        with pytest.raises(LLMError) as caught:
            await _collect(make_client(server.url, 0.2).stream(MESSAGES))
    assert caught.value.kind == "timeout"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_unreachable_server_is_a_connection_error(provider: Provider) -> None:
    _server_type, make_client = provider
    with pytest.raises(LLMError) as caught:
        await _collect(make_client("http://127.0.0.1:9", 2).stream(MESSAGES))
    assert caught.value.kind == "connection"


async def test_anthropic_gets_system_prompt_apart() -> None:
    async with FakeAnthropicServer([ScriptedReply(text=["Hi."])]) as server:
        await _collect(_anthropic(server.url, 5).stream(MESSAGES))
    request = server.requests[0]
    assert request["system"] == "Be brief."
    assert all(message["role"] != "system" for message in request["messages"])


async def test_openai_asks_for_usage_in_the_stream() -> None:
    async with FakeOpenAIServer([ScriptedReply(text=["Hi."])]) as server:
        await _collect(_openai(server.url, 5).stream(MESSAGES, model="other-model"))
    assert server.requests[0]["stream_options"] == {"include_usage": True}
    assert server.requests[0]["model"] == "other-model"


async def test_openai_posts_the_wire_request_with_the_key() -> None:
    """The request goes out as the client built it, authenticated as the SDK's create does."""
    async with FakeOpenAIServer([ScriptedReply(text=["Hi."])]) as server:
        client = _openai(server.url, 5)
        await _collect(client.stream(MESSAGES, tools=[LOOKUP], temperature=0.2, max_tokens=40))
    assert server.request_headers[0]["authorization"] == "Bearer sk-test"
    assert server.requests[0] == {
        "model": "gpt-test",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Where is my order?"},
        ],
        "stream": True,
        "stream_options": {"include_usage": True},
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "lookup_order",
                    "description": "Find an order.",
                    "parameters": LOOKUP.parameters,
                },
            }
        ],
        "temperature": 0.2,
        "max_tokens": 40,
    }


def test_clients_satisfy_the_protocol() -> None:
    assert isinstance(_openai("http://127.0.0.1:1", 1), LLMClient)
    assert isinstance(_anthropic("http://127.0.0.1:1", 1), LLMClient)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_error_in_the_middle_of_the_stream_becomes_llm_error(provider: Provider) -> None:
    server_type, make_client = provider
    reply = ScriptedReply(text=["Hello.", " More."], error_midstream=True)
    received: list[LLMDelta] = []

    async def consume(stream: AsyncIterator[LLMDelta]) -> None:
        async for delta in stream:
            received.append(delta)

    async with server_type([reply]) as server:
        with pytest.raises(LLMError) as caught:
            await consume(make_client(server.url, 5).stream(MESSAGES))
    assert _text(received) == "Hello."
    assert caught.value.kind in ("server", "protocol")


async def test_anthropic_conversation_opening_with_the_greeting_starts_with_a_user_turn() -> None:
    conversation = [
        ChatMessage("system", "Be brief."),
        ChatMessage("assistant", "Hello, how can I help?"),
        ChatMessage("user", "My bill."),
    ]
    async with FakeAnthropicServer([ScriptedReply(text=["Sure."])]) as server:
        await _collect(_anthropic(server.url, 5).stream(conversation))
    roles = [message["role"] for message in server.requests[0]["messages"]]
    assert roles == ["user", "assistant", "user"]


async def test_anthropic_bills_input_tokens_reported_after_message_start() -> None:
    """A streaming proxy says 0 input tokens at message_start and the count in message_delta:
    the call is billed the later figure, once."""
    reply = ScriptedReply(text=["Hi."], input_tokens=321, output_tokens=5, input_tokens_at_end=True)
    async with FakeAnthropicServer([reply]) as server:
        deltas = await _collect(_anthropic(server.url, 5).stream(MESSAGES))
    usages = [d.usage for d in deltas if d.usage is not None]
    assert usages == [Usage(321, 5)]


async def test_anthropic_bills_message_start_input_tokens_once() -> None:
    async with FakeAnthropicServer([ScriptedReply(text=["Hi."], output_tokens=4)]) as server:
        deltas = await _collect(_anthropic(server.url, 5).stream(MESSAGES))
    assert [d.usage for d in deltas if d.usage is not None] == [Usage(12, 4)]
