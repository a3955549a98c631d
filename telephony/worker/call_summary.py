"""What a warm transfer tells the person taking the call: a short summary of the call so far.

By the call's language model when one is configured (a few sentences, bounded in time), else
a deterministic one from the transcript, so a warm transfer works on rule-only pipelines and
when the model fails.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pipelines.turn.trace import TurnUsage
from voice_models.llm import ChatMessage, LLMClient

logger = logging.getLogger("betool.worker")

SummarySource = Literal["llm", "transcript"]
SUMMARY_TIMEOUT_S = 6.0
SUMMARY_MAX_TOKENS = 120
# What the deterministic summary quotes of the caller: their last few turns.
QUOTED_TURNS = 3
QUOTED_CHARS = 300
SUMMARY_INSTRUCTIONS = (
    "You brief a colleague who is about to take over a phone call. In two or three short "
    "spoken sentences, say who is calling if known, what they want and what has been done. "
    "No greeting, no lists, no markdown."
)


@dataclass(frozen=True, slots=True)
class CallSummary:
    text: str
    source: SummarySource
    # Tokens the model used, by model name, for the call's usage.
    llm_usage: TurnUsage = field(default_factory=TurnUsage)


def _caller(caller_number: str) -> str:
    return f"A caller from {caller_number}" if caller_number else "A caller"


def transcript_summary(history: Sequence[Mapping[str, str]], *, caller_number: str) -> str:
    said = [turn["text"].strip() for turn in history if turn.get("role") == "caller"]
    said = [text for text in said if text]
    if not said:
        return f"{_caller(caller_number)} is holding for you. They have not said anything yet."
    quoted = " ".join(said[-QUOTED_TURNS:])
    if len(quoted) > QUOTED_CHARS:
        quoted = "…" + quoted[-QUOTED_CHARS:]
    return f"{_caller(caller_number)} is holding for you. They said: {quoted}"


def _transcript(history: Sequence[Mapping[str, str]]) -> str:
    names = {"caller": "Caller", "agent": "Agent"}
    return "\n".join(
        f"{names.get(turn.get('role', ''), 'Agent')}: {turn.get('text', '')}" for turn in history
    )


async def _ask(llm: LLMClient, history: Sequence[Mapping[str, str]]) -> CallSummary | None:
    messages = [
        ChatMessage(role="system", content=SUMMARY_INSTRUCTIONS),
        ChatMessage(role="user", content=_transcript(history) or "(nothing said yet)"),
    ]
    parts: list[str] = []
    usage = TurnUsage()
    async for delta in llm.stream(messages, max_tokens=SUMMARY_MAX_TOKENS, temperature=0.2):
        parts.append(delta.text)
        if delta.usage is not None:
            usage.add(llm.model, delta.usage)
    text = "".join(parts).strip()
    if not text:
        return None
    return CallSummary(text=text, source="llm", llm_usage=usage)


async def summarize(
    history: Sequence[Mapping[str, str]],
    *,
    caller_number: str,
    llm: LLMClient | None,
    timeout_s: float = SUMMARY_TIMEOUT_S,
) -> CallSummary:
    """Never raises: a model that fails or is slow gives the transcript's summary."""
    if llm is not None:
        try:
            summary = await asyncio.wait_for(_ask(llm, history), timeout=timeout_s)
        except Exception:
            logger.warning("the call summary's language model failed", exc_info=True)
        else:
            if summary is not None:
                return summary
    return CallSummary(
        text=transcript_summary(history, caller_number=caller_number), source="transcript"
    )
