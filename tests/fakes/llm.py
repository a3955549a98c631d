"""In-process LLM clients for engine tests and benchmarks (no network)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from voice_models.llm.types import ChatMessage, LLMDelta, LLMError, ToolCall, ToolSpec, Usage


@dataclass
class Script:
    """One model answer: text pieces (each yielded after ``delay_s``) and tool calls."""

    text: list[str] = field(default_factory=list)
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    delay_s: float = 0.0
    error: LLMError | None = None
    usage: Usage = field(default_factory=lambda: Usage(10, 5))


class ScriptedLLM:
    """Plays scripts in order (the last one repeats); records what it was asked.

    ``piece_times`` records, per piece of text, when it was yielded (``time.perf_counter``),
    so a test can compare when the engine handed a chunk on with when the model produced it.
    """

    def __init__(self, *scripts: Script, model: str = "fake-model") -> None:
        self.model = model
        self.scripts = list(scripts) or [Script(text=["OK."])]
        self.calls: list[dict[str, Any]] = []
        self.piece_times: list[float] = []
        self.finished_at: float | None = None

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        temperature: float | None = None,
        max_tokens: int | None = None,
        model: str | None = None,
    ) -> AsyncIterator[LLMDelta]:
        self.calls.append({"messages": list(messages), "tools": list(tools)})
        script = self.scripts.pop(0) if len(self.scripts) > 1 else self.scripts[0]
        if script.error is not None:
            raise script.error
        for piece in script.text:
            if script.delay_s:
                await asyncio.sleep(script.delay_s)
            self.piece_times.append(time.perf_counter())
            yield LLMDelta(text=piece)
        for index, (name, arguments) in enumerate(script.tool_calls):
            yield LLMDelta(tool_call=ToolCall(f"call_{index}", name, arguments))
        yield LLMDelta(usage=script.usage)
        self.finished_at = time.perf_counter()


class InstantLLM:
    """Answers one sentence at once: for measuring the engine's own overhead."""

    model = "instant"

    def __init__(self, text: str = "Sure, done.") -> None:
        self._deltas = (LLMDelta(text=text), LLMDelta(usage=Usage(8, 3)))

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        temperature: float | None = None,
        max_tokens: int | None = None,
        model: str | None = None,
    ) -> AsyncIterator[LLMDelta]:
        for delta in self._deltas:
            yield delta
