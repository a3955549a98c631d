"""CPU of betool's language-model clients per streamed answer, against the SDKs' own typed path.

Each client streams an answer of ``--pieces`` text pieces from an in-memory transport (no
network, no server: only the client's own work on the call's event loop is timed). betool's
clients post through the official SDKs and read the events as the JSON the server sent;
the baseline, in the same run and on the same bytes, is the SDK's documented call
(``chat.completions.create`` / ``messages.create``), which builds a typed model of every
event. Prints one JSON line: ms of CPU per answer for each, and the ratio.

    uv run python bench/llm_clients.py --pieces 40
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voice_models.llm.anthropic_messages import AnthropicClient
from voice_models.llm.connections import _answering, _sse
from voice_models.llm.openai_chat import OpenAIChatClient
from voice_models.llm.types import ChatMessage

MESSAGES = [
    ChatMessage(role="system", content="You help callers with their bills."),
    ChatMessage(role="user", content="What is my balance?"),
]
WARMUP = 20


def openai_stream(pieces: int) -> bytes:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> tuple[None, dict[str, Any]]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return None, {"id": "b", "object": "chat.completion.chunk", "created": 0, "model": "b",
                      "choices": [choice]}  # fmt: skip

    usage = {"prompt_tokens": 20, "completion_tokens": pieces, "total_tokens": 20 + pieces}
    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": f" word{i}"}) for i in range(pieces)]
    events += [chunk({}, "stop"), (None, {"id": "b", "object": "chat.completion.chunk",
                                          "created": 0, "model": "b", "choices": [],
                                          "usage": usage})]  # fmt: skip
    return _sse(events) + b"data: [DONE]\n\n"


def anthropic_stream(pieces: int) -> bytes:
    def delta(text: str) -> tuple[str, dict[str, Any]]:
        return "content_block_delta", {"type": "content_block_delta", "index": 0,
                                       "delta": {"type": "text_delta", "text": text}}  # fmt: skip

    start: dict[str, Any] = {"type": "message_start", "message": {
        "id": "b", "type": "message", "role": "assistant", "content": [], "model": "b",
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 20, "output_tokens": 1}}}  # fmt: skip
    block: dict[str, Any] = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "text", "text": ""},
    }
    end: dict[str, Any] = {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
           "usage": {"output_tokens": pieces}}  # fmt: skip
    return _sse(
        [("message_start", start), ("content_block_start", block)]
        + [delta(f" word{i}") for i in range(pieces)]
        + [("content_block_stop", {"type": "content_block_stop", "index": 0}),
           ("message_delta", end), ("message_stop", {"type": "message_stop"})]
    )  # fmt: skip


async def cpu_ms_per_answer(answer: Callable[[], Awaitable[int]], answers: int) -> float:
    for _ in range(WARMUP):
        await answer()
    began = time.process_time()
    for _ in range(answers):
        await answer()
    return (time.process_time() - began) / answers * 1000


async def drain(events: Any) -> int:
    count = 0
    async for _ in events:
        count += 1
    return count


async def measure(pieces: int, answers: int) -> dict[str, Any]:
    openai = OpenAIChatClient(
        model="b", api_key="b", base_url="http://bench.invalid/v1",
        transport=_answering(openai_stream(pieces)),
    )  # fmt: skip
    anthropic = AnthropicClient(
        model="b", api_key="b", base_url="http://bench.invalid",
        transport=_answering(anthropic_stream(pieces)),
    )  # fmt: skip
    wire: Any = [{"role": m.role, "content": m.content} for m in MESSAGES]
    # The SDKs' own clients, called as their documentation shows.
    openai_sdk: Any = openai._client
    anthropic_sdk: Any = anthropic._client

    async def openai_typed() -> int:
        stream = await openai_sdk.chat.completions.create(
            model="b", messages=wire, stream=True, stream_options={"include_usage": True}
        )
        return await drain(stream)

    async def anthropic_typed() -> int:
        stream = await anthropic_sdk.messages.create(
            model="b", max_tokens=256, system=MESSAGES[0].content, messages=wire[1:], stream=True
        )
        return await drain(stream)

    figures: dict[str, Any] = {}
    for name, ours, typed in (
        ("openai", lambda: drain(openai.stream(MESSAGES)), openai_typed),
        ("anthropic", lambda: drain(anthropic.stream(MESSAGES)), anthropic_typed),
    ):
        betool_ms = await cpu_ms_per_answer(ours, answers)
        sdk_ms = await cpu_ms_per_answer(typed, answers)
        figures[name] = {
            "betool_cpu_ms_per_answer": round(betool_ms, 3),
            "sdk_typed_cpu_ms_per_answer": round(sdk_ms, 3),
            "betool_vs_sdk_typed": round(betool_ms / sdk_ms, 2),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pieces", type=int, default=40, help="text pieces per answer")
    parser.add_argument("--answers", type=int, default=300, help="answers timed per client")
    args = parser.parse_args()
    figures = asyncio.run(measure(args.pieces, args.answers))
    print(json.dumps({"bench": "llm_clients", "pieces": args.pieces, **figures}))


if __name__ == "__main__":
    main()
