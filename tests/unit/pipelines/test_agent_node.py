"""Agent nodes: streaming order, tools, extraction, injected voice tools."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from pipelines.nodes.agent_tools import BargeInParams
from pipelines.nodes.call_control import HangupParams, TransferParams
from pipelines.turn.events import ActionEvent, ActionParams, TextEvent, ToolEvent
from pipelines.turn.providers import ProviderRegistry
from pipelines.turn.voice import VoiceActions
from tests.fakes.llm import Script, ScriptedLLM
from tests.unit.pipelines.graphs import (
    chain,
    collect,
    conversation,
    document,
    node,
    of_type,
    start,
    texts,
    turn_end,
)


def agent_doc(receiver: str = "browser_test", **config: Any) -> dict[str, Any]:
    settings = {"mission": "You help callers.", "model": "m"} | config
    return document([start(receiver), node("a", "agent", **settings)], chain("start", "a"))


def registry(llm: ScriptedLLM, http: httpx.AsyncClient | None = None) -> ProviderRegistry:
    return ProviderRegistry(llms={"m": llm}, http=http)


async def test_first_sentence_is_handed_on_before_the_llm_finishes() -> None:
    llm = ScriptedLLM(
        Script(text=["Hello", " there.", " Let me", " check", " that", " for you."], delay_s=0.05)
    )
    talk = conversation(agent_doc(), providers=registry(llm))
    handed_on: list[tuple[str, float]] = []
    async for event in talk.run_turn("hi"):
        if isinstance(event, TextEvent):
            handed_on.append((event.text, time.perf_counter()))
    assert [text for text, _ in handed_on] == ["Hello there.", "Let me check that for you."]
    assert llm.finished_at is not None
    first_chunk_at = handed_on[0][1]
    assert first_chunk_at < llm.finished_at - 0.1
    # handed on right when the model produced " there." (the second piece), not later
    assert first_chunk_at - llm.piece_times[1] < 0.04  # before the next token (50 ms)


async def test_streamed_text_is_recorded_with_tokens_in_the_trace() -> None:
    llm = ScriptedLLM(Script(text=["Sure. ", "Done."]))
    events = await collect(conversation(agent_doc(), providers=registry(llm)).run_turn("hi"))
    end = turn_end(events)
    step = end.trace.steps[0]
    assert step.output == "Sure. Done."
    assert step.usage is not None
    assert step.usage.output_tokens == 5
    assert end.usage.as_dict() == {"llm": {"fake-model": {"input_tokens": 10, "output_tokens": 5}}}


async def test_uninterruptible_agent_text() -> None:
    llm = ScriptedLLM(Script(text=["Important notice."]))
    events = await collect(
        conversation(agent_doc(interruptible=False), providers=registry(llm)).run_turn("hi")
    )
    assert [e.interruptible for e in of_type(events, "text")] == [False]


async def test_http_tool_round_trip() -> None:
    seen: list[httpx.Request] = []

    def crm(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "shipped"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(crm))
    llm = ScriptedLLM(
        Script(text=["One moment."], tool_calls=[("order_status", {"order": "A-7"})]),
        Script(text=["Your order has shipped."]),
    )
    tool = {
        "name": "order_status",
        "description": "Look up an order.",
        "url": "https://crm.example/orders/{{ args.order }}?caller={{ caller.number }}",
        "parameters": [{"name": "order"}],
    }
    events = await collect(
        conversation(agent_doc(tools=[tool]), providers=registry(llm, http)).run_turn(
            "where is A-7?"
        )
    )
    assert texts(events) == ["One moment.", "Your order has shipped."]
    assert seen[0].url.path == "/orders/A-7"
    (tool_event,) = of_type(events, "tool")
    assert isinstance(tool_event, ToolEvent)
    assert json.loads(tool_event.result) == {"status": "shipped"}
    second_call = llm.calls[1]["messages"]
    assert second_call[-1].role == "tool"
    assert second_call[-2].tool_calls[0].name == "order_status"
    assert turn_end(events).trace.steps[0].tools[0].name == "order_status"  # type: ignore[index]


async def test_tool_rounds_are_capped_and_the_last_round_offers_no_tools() -> None:
    looping = Script(tool_calls=[("save_details", {"name": "Ada"})])
    llm = ScriptedLLM(looping, looping, Script(text=["Done."]))
    doc = agent_doc(max_tool_rounds=2, extract=[{"variable": "name", "description": "caller name"}])
    events = await collect(conversation(doc, providers=registry(llm)).run_turn("I'm Ada"))
    assert texts(events) == ["Done."]
    assert [len(call["tools"]) for call in llm.calls] == [1, 1, 0]


async def test_extraction_sets_variables() -> None:
    llm = ScriptedLLM(
        Script(tool_calls=[("save_details", {"name": "Ada", "ignored": "x"})]),
        Script(text=["Thanks Ada."]),
    )
    doc = agent_doc(extract=[{"variable": "name", "description": "caller name"}])
    talk = conversation(doc, providers=registry(llm))
    events = await collect(talk.run_turn("I'm Ada"))
    assert talk.variables == {"name": "Ada"}
    assert of_type(events, "variables")[0].variables == {"name": "Ada"}
    schema = llm.calls[0]["tools"][0].parameters
    assert list(schema["properties"]) == ["name"]


async def test_voice_tools_only_under_a_phone_gateway_start() -> None:
    phone_llm, test_llm = ScriptedLLM(Script(text=["Hi."])), ScriptedLLM(Script(text=["Hi."]))
    await collect(
        conversation(agent_doc("phone_gateway"), providers=registry(phone_llm)).run_turn("x")
    )
    await collect(
        conversation(agent_doc("browser_test"), providers=registry(test_llm)).run_turn("x")
    )
    assert {t.name for t in phone_llm.calls[0]["tools"]} == {
        "end_call",
        "transfer_call",
        "hold_call",
        "set_barge_in",
    }
    assert test_llm.calls[0]["tools"] == []


async def test_voice_tool_calls_become_actions_through_the_session_handlers() -> None:
    performed: list[ActionParams] = []

    async def record(params: ActionParams) -> str:
        performed.append(params)
        return f"{params.kind} ok"

    voice = VoiceActions(hangup=record, barge_in=record)
    llm = ScriptedLLM(
        Script(text=["Let me say this."], tool_calls=[("set_barge_in", {"enabled": False})]),
        Script(text=["Goodbye."], tool_calls=[("end_call", {"reason": "done"})]),
        Script(text=["never said"]),
    )
    talk = conversation(agent_doc("phone_gateway"), providers=registry(llm), voice=voice)
    events = await collect(talk.run_turn("bye"))
    assert texts(events) == ["Let me say this.", "Goodbye."]
    actions = [e.params for e in events if isinstance(e, ActionEvent)]
    assert actions == [BargeInParams(enabled=False), HangupParams(reason="done")]
    assert performed == actions
    assert [e.result for e in of_type(events, "tool")] == ["barge_in ok", "hangup ok"]
    assert talk.ended
    assert len(llm.calls) == 2  # hanging up ends the agent's turn
    # the goodbye comes before the hangup action in the stream
    order = [e.type for e in events if e.type in ("text", "action")]
    assert order == ["text", "action", "text", "action"]


async def test_transfer_tool_uses_the_configured_destination() -> None:
    llm = ScriptedLLM(Script(tool_calls=[("transfer_call", {"destination": "ignored"})]))
    doc = agent_doc("phone_gateway", transfer_destination="+15550199")
    events = await collect(conversation(doc, providers=registry(llm)).run_turn("a human please"))
    (action,) = of_type(events, "action")
    assert action.params == TransferParams(destination="+15550199", mode="cold")
    assert "destination" not in llm.calls[0]["tools"][1].parameters["properties"]


async def test_an_agent_set_to_warm_transfers_warm() -> None:
    llm = ScriptedLLM(Script(tool_calls=[("transfer_call", {"destination": "+15550123"})]))
    doc = agent_doc("phone_gateway", transfer_mode="warm")
    events = await collect(conversation(doc, providers=registry(llm)).run_turn("a human please"))
    (action,) = of_type(events, "action")
    assert action.params == TransferParams(destination="+15550123", mode="warm")


async def test_unknown_tool_names_are_answered_not_crashed() -> None:
    llm = ScriptedLLM(Script(tool_calls=[("launch_rocket", {})]), Script(text=["Sorry."]))
    events = await collect(conversation(agent_doc(), providers=registry(llm)).run_turn("x"))
    assert texts(events) == ["Sorry."]
    assert "no tool named" in of_type(events, "tool")[0].result


async def test_mission_is_a_template() -> None:
    llm = ScriptedLLM(Script(text=["Ok."]))
    doc = agent_doc(mission="Caller {{ caller.number }} on {{ exchange.channel.source_type }}.")
    await collect(conversation(doc, providers=registry(llm)).run_turn("x"))
    assert llm.calls[0]["messages"][0].content == "Caller +15550100 on browser_test."


async def test_two_turns_can_run_concurrently_in_two_conversations() -> None:
    llm = ScriptedLLM(Script(text=["A", " b."], delay_s=0.01))
    doc = agent_doc()
    results = await asyncio.gather(
        *(collect(conversation(doc, providers=registry(llm)).run_turn(str(i))) for i in range(5))
    )
    assert all(texts(events) == ["A b."] for events in results)


async def test_deadline_passing_while_the_session_is_busy_never_cancels_the_session() -> None:
    llm = ScriptedLLM(Script(text=["First.", " Second.", " Third."], delay_s=0.01))
    doc = document(
        [start(), node("a", "agent", mission="Help.", model="m")],
        chain("start", "a"),
        turn_timeout_s=0.1,
    )
    talk = conversation(doc, providers=registry(llm))
    seen: list[str] = []
    async for event in talk.run_turn("hi"):
        seen.append(event.type)
        if event.type == "text" and len(seen) < 4:
            # the session (TTS, websocket) is slow: the deadline passes while it works
            await asyncio.sleep(0.15)
    assert seen[-1] == "turn_end"
    end_reason = talk.history[-1]["text"]
    assert end_reason.endswith("Could you say it again?")
    assert asyncio.current_task() is not None
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


TOO_LATE_S = 5.0  # the reply that comes after the turn's 1 s deadline


async def test_agent_on_a_real_sdk_client_streams_and_meets_the_turn_deadline() -> None:
    from tests.fakes.llm_servers import FakeOpenAIServer, ScriptedReply
    from voice_models.llm import OpenAIChatClient

    replies = [
        ScriptedReply(text=["Hello", " there.", " Bye."], input_tokens=30, output_tokens=4),
        ScriptedReply(text=["Too late."], delay_s=TOO_LATE_S),
    ]
    async with FakeOpenAIServer(replies) as server:
        client = OpenAIChatClient(model="gpt-test", api_key="k", base_url=f"{server.url}/v1")
        doc = document(
            [start(), node("a", "agent", mission="Help.", model="gpt-test")],
            chain("start", "a"),
            turn_timeout_s=1.0,
        )
        talk = conversation(doc, providers=ProviderRegistry(llms={"gpt-test": client}))
        first = await collect(talk.run_turn("hi"))
        began = time.perf_counter()
        second = await collect(talk.run_turn("again"))
        second_took_s = time.perf_counter() - began
        await client.aclose()
    assert turn_end(first).trace.detail == ""
    assert texts(first) == ["Hello there.", "Bye."]
    assert turn_end(first).usage.as_dict() == {
        "llm": {"gpt-test": {"input_tokens": 30, "output_tokens": 4}}
    }
    assert turn_end(second).reason == "timeout"
    # It gave up at its deadline (1 s), long before the late reply: a ceiling, not a speed.
    assert second_took_s < TOO_LATE_S - 1.0


async def test_text_before_a_tool_call_is_said_before_the_tool_runs() -> None:
    llm = ScriptedLLM(
        Script(text=["Let me", " check"], tool_calls=[("save_details", {"name": "Ada"})]),
        Script(text=["Done, Ada."]),
    )
    doc = agent_doc(extract=[{"variable": "name", "description": "caller name"}])
    events = await collect(conversation(doc, providers=registry(llm)).run_turn("I'm Ada"))
    assert texts(events) == ["Let me check", "Done, Ada."]
    order = [e.type for e in events if e.type in ("text", "tool")]
    assert order == ["text", "tool", "text"]


async def test_an_empty_answer_gives_the_fallback_line_and_says_why_in_the_trace() -> None:
    llm = ScriptedLLM(Script(text=[]))
    doc = agent_doc()
    doc["settings"] = {"fallback_line": "Sorry, I did not catch that."}
    events = await collect(conversation(doc, providers=registry(llm)).run_turn("hello?"))
    assert texts(events) == ["Sorry, I did not catch that."]
    end = turn_end(events)
    assert (end.reason, end.fallback) == ("node_error", True)
    assert "no text" in end.trace.detail
    assert "no text" in (end.trace.steps[0].error or "")


async def test_whitespace_only_answer_is_an_empty_answer() -> None:
    llm = ScriptedLLM(Script(text=["  ", "\n"]))
    events = await collect(conversation(agent_doc(), providers=registry(llm)).run_turn("hi"))
    assert turn_end(events).fallback


async def test_a_tool_round_that_ends_without_words_gives_the_fallback_line() -> None:
    llm = ScriptedLLM(Script(tool_calls=[("save_details", {"city": "Lyon"})]), Script(text=[]))
    doc = agent_doc(extract=[{"variable": "city", "description": "The caller's city"}])
    doc["settings"] = {"fallback_line": "Sorry, say again?"}
    talk = conversation(doc, providers=registry(llm))
    events = await collect(talk.run_turn("Lyon"))
    assert turn_end(events).fallback
    assert texts(events) == ["Sorry, say again?"]
    assert talk.variables["city"] == "Lyon"


async def test_ending_the_call_without_words_is_not_an_empty_answer() -> None:
    llm = ScriptedLLM(Script(tool_calls=[("end_call", {"reason": "done"})]))
    events = await collect(
        conversation(agent_doc("phone_gateway"), providers=registry(llm)).run_turn("bye")
    )
    assert not turn_end(events).fallback


async def test_anthropic_server_that_ignores_stream_is_not_silence() -> None:
    """A compatible server that answers with one JSON body instead of events: no text came
    through the stream, so the caller hears the fallback line."""
    from aiohttp import web

    from pipelines.turn.providers import ProviderRegistry as Registry
    from voice_models.llm import AnthropicClient

    async def whole_message(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-test",
                "content": [{"type": "text", "text": "Hello there."}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 5, "output_tokens": 3},
            }
        )

    app = web.Application()
    app.router.add_post("/v1/messages", whole_message)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = AnthropicClient(model="claude-test", api_key="k", base_url=f"http://127.0.0.1:{port}")
    doc = agent_doc()
    doc["settings"] = {"fallback_line": "Sorry, one moment."}
    try:
        talk = conversation(doc, providers=Registry(llms={"m": client}))
        events = await collect(talk.run_turn("hi"))
    finally:
        await client.aclose()
        await runner.cleanup()
    end = turn_end(events)
    assert end.fallback
    assert texts(events) == ["Sorry, one moment."]
    assert end.trace.detail
