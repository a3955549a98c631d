"""What a call used (call seconds, ASR seconds, TTS characters, LLM tokens), and its
cumulative reports while it runs: billed with the worker's other calls (``usage_relay``,
``usage_batch``), and the call ended when its workspace's balance is spent, if it chose so."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from livekit.agents.metrics import STTModelUsage, TTSModelUsage

from telephony.worker.ending import end_call
from telephony.worker.state import OUT_OF_CREDIT_LINE

if TYPE_CHECKING:
    from telephony.worker.state import CallState

logger = logging.getLogger("betool.worker")


def collect_usage(state: CallState) -> dict[str, Any]:
    """What the call used: call seconds, ASR seconds, TTS characters, LLM tokens."""
    asr_seconds = 0.0
    tts_characters = 0
    models: list[dict[str, Any]] = []
    session = state.session
    if session is not None:
        for usage in session.usage.model_usage:
            if isinstance(usage, STTModelUsage):
                asr_seconds += usage.audio_duration
            elif isinstance(usage, TTSModelUsage):
                tts_characters += usage.characters_count
            models.append(usage.model_dump(mode="json"))
    llm_total = state.llm_tokens.total
    return {
        "call_seconds": round(call_seconds(state), 3),
        "asr_seconds": round(asr_seconds, 3),
        "tts_characters": tts_characters,
        "llm_input_tokens": llm_total.input_tokens,
        "llm_output_tokens": llm_total.output_tokens,
        "llm_tokens": state.llm_tokens.by_model(),
        "turns": state.turn_seq,
        "models": models,
    }


def call_seconds(state: CallState) -> float:
    """Billed call time: from the answer to the end of the caller's leg, none for a call
    whose answer was never acknowledged (the carrier does not count it as answered)."""
    from telephony.models import CallEndReason

    leg = state.leg
    if leg is None:
        return time.monotonic() - state.started_at
    if not state.end_reason and leg.platform_end_reason() == CallEndReason.NO_ACK:
        return 0.0
    return leg.answered_seconds()


async def usage_reports(state: CallState) -> None:
    """Cumulative usage reports while the call runs (interval sequences count from 1); the
    call ends when its workspace's balance after a report is spent, if the workspace chose so."""
    from telephony.models import CallEndReason

    sequence = 0
    while not state.ending:
        await asyncio.sleep(settings.VOICE_USAGE_REPORT_INTERVAL_S)
        if state.ending:
            return
        sequence += 1
        try:
            balance = await state.recorder.usage_report(collect_usage(state), sequence=sequence)
        except Exception:
            logger.exception("the usage report %d of call %s failed", sequence, state.plan.call_id)
            continue
        if state.plan.end_at_zero_balance and balance <= 0:
            await end_call(
                state, CallEndReason.OUT_OF_CREDIT, goodbye=OUT_OF_CREDIT_LINE, interrupt=True
            )
            return
