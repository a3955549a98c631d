"""Time from turn start to the first text chunk handed on, minus the LLM's own time to its
first sentence: what the engine adds before the caller can hear anything.

The graph walks Start -> keyword classifier -> router -> agent, as a typical voice pipeline;
the fake model streams a token every 2 ms and records when it yielded the token that ends
its first sentence. Prints one JSON line.

    uv run python bench/first_chunk.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_graphs import _edge, _node, summarize

from pipelines.engine import Channel, Conversation, compile_graph
from pipelines.turn.events import TextEvent
from pipelines.turn.providers import ProviderRegistry
from voice_models.llm.types import ChatMessage, LLMDelta, ToolSpec, Usage

TOKENS = ["Sure", ",", " I", " can", " help", " with", " that", ".", " Let", " me", " check", "."]
FIRST_SENTENCE_ENDS_AT = TOKENS.index(".")
TOKEN_INTERVAL_S = 0.002
TURNS = 300


class StreamingLLM:
    """Streams tokens at a steady pace; notes its own time to the end of the first sentence."""

    model = "streaming"

    def __init__(self) -> None:
        self.own_first_sentence_s = 0.0

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        temperature: float | None = None,
        max_tokens: int | None = None,
        model: str | None = None,
    ) -> AsyncIterator[LLMDelta]:
        called = time.perf_counter()
        for index, token in enumerate(TOKENS):
            await asyncio.sleep(TOKEN_INTERVAL_S)
            if index == FIRST_SENTENCE_ENDS_AT:
                self.own_first_sentence_s = time.perf_counter() - called
            yield LLMDelta(text=token)
        yield LLMDelta(usage=Usage(20, len(TOKENS)))


def voice_document() -> dict[str, Any]:
    intents = [
        {"name": "billing", "keywords": ["bill", "invoice"]},
        {"name": "sales", "keywords": ["buy"]},
    ]
    vip = {"name": "vip", "field": "exchange.intent", "operator": "equals", "value": "billing"}
    nodes = [
        _node("start", "start", receiver="phone_gateway", greeting="Hello."),
        _node("classify", "classifier", intents=intents),
        _node("route", "router", conditions=[vip]),
        _node(
            "agent", "agent", mission="You help {{ caller.number }} with bills.", model="streaming"
        ),
    ]
    edges = [
        _edge("start", "out", "classify"),
        _edge("classify", "intent:billing", "route"),
        _edge("classify", "intent:sales", "route"),
        _edge("classify", "fallback", "route"),
        _edge("route", "condition:vip", "agent"),
        _edge("route", "else", "agent"),
    ]
    return {"schema_version": 2, "nodes": nodes, "edges": edges, "settings": {}}


async def measure() -> dict[str, Any]:
    llm = StreamingLLM()
    conversation = Conversation(
        compile_graph(voice_document()),
        channel=Channel("phone_gateway", "+15550100"),
        providers=ProviderRegistry(llms={"streaming": llm}),
    )
    overheads: list[float] = []
    to_first_chunk: list[float] = []
    for turn in range(TURNS + TURNS // 10):
        began = time.perf_counter()
        first_chunk_s = None
        async for event in conversation.run_turn("question about my bill"):
            if first_chunk_s is None and isinstance(event, TextEvent):
                first_chunk_s = time.perf_counter() - began
        conversation.history.clear()
        assert first_chunk_s is not None
        if turn >= TURNS // 10:  # after warm-up
            to_first_chunk.append(first_chunk_s * 1000)
            overheads.append((first_chunk_s - llm.own_first_sentence_s) * 1000)
    return {
        "turn_start_to_first_chunk": summarize(to_first_chunk),
        "first_chunk_overhead": summarize(overheads),
        "llm_own_time_to_first_sentence_ms": round(llm.own_first_sentence_s * 1000, 3),
    }


def main() -> None:
    figures = asyncio.run(measure())
    overhead_p99 = figures["first_chunk_overhead"]["p99_ms"]
    print(
        json.dumps(
            {
                "benchmark": "first_chunk",
                **figures,
                "first_chunk_overhead_p99_under_1ms": overhead_p99 < 1.0,
            }
        )
    )


if __name__ == "__main__":
    main()
