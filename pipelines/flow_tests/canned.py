"""A language model that only plays a scenario's canned answers, in order: deterministic
suites without a model server, through the same client interface the engine streams from."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from pipelines.flow_tests.spec import CannedAnswer
from pipelines.turn.providers import ProviderRegistry
from voice_models.llm.types import ChatMessage, LLMDelta, LLMError, ToolCall, ToolSpec


class CannedLLM:
    """Shared by every model name of one scenario run: answers are consumed across nodes
    in the order the call asks for them."""

    model = "canned"

    def __init__(self, answers: Sequence[CannedAnswer]) -> None:
        self._answers = list(answers)
        self._next = 0
        self.asked = 0

    @property
    def unused(self) -> int:
        return len(self._answers) - self._next

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        temperature: float | None = None,
        max_tokens: int | None = None,
        model: str | None = None,
    ) -> AsyncIterator[LLMDelta]:
        self.asked += 1
        if self._next >= len(self._answers):
            if messages and messages[-1].role == "tool":
                # The model's round after its own tool call: nothing more to say.
                return
            raise LLMError(
                f"The scenario has no canned model answer left (it gave {len(self._answers)}).",
                kind="bad_request",
            )
        answer = self._answers[self._next]
        self._next += 1
        if answer.text:
            yield LLMDelta(text=answer.text)
        if answer.tool:
            call = ToolCall(f"canned_{self._next}", answer.tool, answer.arguments)
            yield LLMDelta(tool_call=call)


def canned_registry(answers: Sequence[CannedAnswer]) -> ProviderRegistry:
    """Every model name resolves to one player of ``answers`` (a scenario's, in a text run
    or in the voice worker running it)."""
    return ProviderRegistry(llms={"canned": CannedLLM(answers)}, default_model="canned")
