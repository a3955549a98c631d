"""What the LLM-backed nodes (agent, classifier) share: history, deadlines, token accounting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from pipelines.turn.runtime import SessionState, TurnState
from voice_models.llm.types import ChatMessage, LLMDelta, ToolSpec

_ROLES = {"caller": "user", "agent": "assistant"}
# The conversation an LLM sees: enough for context, short enough to stay fast.
HISTORY_WINDOW = 40


def conversation_messages(session: SessionState, *, system: str) -> list[ChatMessage]:
    """System prompt, the recent history, then this turn's caller message."""
    messages = [ChatMessage("system", system)] if system else []
    for entry in session.history[-HISTORY_WINDOW:]:
        messages.append(ChatMessage(_ROLES.get(entry["role"], "user"), entry["text"]))  # type: ignore[arg-type]
    user_message = session.exchange["user_message"]
    if user_message:
        messages.append(ChatMessage("user", user_message))
    return messages


async def stream_within_deadline(
    turn: TurnState,
    *,
    model: str,
    messages: Sequence[ChatMessage],
    tools: Sequence[ToolSpec] = (),
    temperature: float | None = None,
) -> AsyncIterator[LLMDelta]:
    """The model's deltas under the turn's deadline; usage is booked here.

    One timer per model call, not one ``asyncio.timeout`` per delta (that costs a timer
    handle per token). The timer cancels the task only while it is waiting on the model:
    between deltas the task runs the session's code, which must never see our cancellation,
    so there the expiry is only noted and raised on the next step.
    """
    client = turn.providers.llm(model)
    deltas = client.stream(messages, tools=tools, temperature=temperature)
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    awaiting = expired = cancelled = False

    def expire() -> None:
        nonlocal expired, cancelled
        expired = True
        if awaiting and task is not None:
            cancelled = task.cancel("turn deadline")

    timer = loop.call_at(turn.deadline, expire)
    exhausted = False
    try:
        while True:
            if expired:
                raise TimeoutError
            awaiting = True
            try:
                delta = await anext(deltas)
            except StopAsyncIteration:
                exhausted = True
                return
            except BaseException:
                # Our cancellation, whatever the client turned it into, becomes a timeout;
                # a cancellation from anyone else goes on as it came.
                if cancelled and task is not None and task.uncancel() == 0:
                    raise TimeoutError from None
                raise
            finally:
                awaiting = False
            if delta.usage is not None:
                # Booked under the configuration's name where the client knows it, so
                # each configuration's counters are its own.
                turn.usage.add(getattr(client, "usage_name", client.model), delta.usage)
                turn.step.add_usage(delta.usage)
                continue
            yield delta
    finally:
        timer.cancel()
        # Stopped early (error, timeout, barge-in): close the client's stream now, so its
        # HTTP response is released here rather than whenever it is garbage collected.
        closer = None if exhausted else getattr(deltas, "aclose", None)
        if closer is not None:
            await closer()
