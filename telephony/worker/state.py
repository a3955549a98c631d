"""Per-call state of the voice worker: one instance per job, never shared between calls."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voice_models.adapters import ModelConfig

if TYPE_CHECKING:
    from livekit.agents import AgentSession, JobContext
    from livekit.agents.voice.speech_handle import SpeechHandle

    from telephony.worker.recorder import CallRecorder
    from telephony.worker.sip_leg import SipLeg

DEFAULT_FALLBACK_LINE = "Sorry, I am having trouble right now. Please try again in a moment."
GOODBYE_LINE = "Thank you for calling. Goodbye."
MAX_DURATION_LINE = "We have reached the maximum length for this call. Thank you, goodbye."
SILENCE_PROMPT_LINE = "Are you still there?"
SILENCE_GOODBYE_LINE = "I have not heard from you, so I will end the call now. Goodbye."
TRANSFER_FAILED_LINE = "Sorry, I could not transfer your call. Let's continue."
HOLD_RESUME_LINE = "Thank you for holding."
NOT_IN_SERVICE_LINE = "Sorry, this number is not in service. Goodbye."
BUSY_LINE = "Sorry, all our lines are busy. Please call again later. Goodbye."
OUT_OF_CREDIT_LINE = (
    "Sorry, this line cannot take calls right now because its account has run out of credit. "
    "Goodbye."
)
REJECTION_LINES = {
    "too_many_calls": BUSY_LINE,
    "trunk_busy": BUSY_LINE,
    "no_credits": OUT_OF_CREDIT_LINE,
}


@dataclass(frozen=True)
class CallPlan:
    """Everything a call needs from the database, read once before the call starts."""

    call_id: int
    workspace_id: int
    room_name: str
    number_e164: str
    caller_number: str
    pipeline_id: int | None
    version_id: int
    version_number: int
    graph: dict[str, Any]
    language: str
    max_call_duration_s: float
    silence_timeout_s: float
    transfer_target: str
    is_test: bool
    asr: ModelConfig | None
    tts: ModelConfig | None
    llms: tuple[ModelConfig, ...]
    default_llm: str | None
    end_at_zero_balance: bool = False
    # The trunk's carrier accepts SIP REFER; when it does not, a transfer is not attempted.
    supports_refer: bool = True
    fallback_line: str = DEFAULT_FALLBACK_LINE
    # Given by whoever placed an outbound call (the API's ``variables``), for the templates.
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass
class TurnTiming:
    """Monotonic timestamps of one turn (seconds, ``time.perf_counter``)."""

    user_speech_end: float | None = None
    engine_start: float = 0.0
    first_text: float | None = None
    first_audio: float | None = None
    engine_end: float | None = None

    def as_latencies(self) -> dict[str, float]:
        def ms(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else round((b - a) * 1000, 1)

        values = {
            "engine_first_text_ms": ms(self.engine_start, self.first_text),
            "engine_total_ms": ms(self.engine_start, self.engine_end),
            "tts_first_audio_ms": ms(self.first_text, self.first_audio),
            "end_of_speech_to_engine_ms": ms(self.user_speech_end, self.engine_start),
            "end_to_end_ms": ms(self.user_speech_end, self.first_audio),
        }
        return {k: v for k, v in values.items() if v is not None}


@dataclass
class PendingAction:
    action: str
    params: dict[str, Any]


@dataclass
class CallState:
    plan: CallPlan
    ctx: JobContext
    recorder: CallRecorder
    caller_identity: str = ""
    caller_is_sip: bool = False
    leg: SipLeg | None = None
    session: AgentSession | None = None
    conversation: Any = None
    started_at: float = field(default_factory=time.monotonic)
    turn_seq: int = 0
    barge_in: bool = True
    ending: bool = False
    end_reason: str = ""
    transfer_target_done: str = ""
    on_hold: bool = False
    hold_resume: asyncio.Event = field(default_factory=asyncio.Event)
    digits: str = ""
    collecting: dict[str, Any] | None = None
    digit_timer: asyncio.TimerHandle | None = None
    pending_digits: str | None = None
    silence_prompts: int = 0
    last_user_speech_end: float | None = None
    llm_tokens: dict[str, dict[str, int]] = field(default_factory=dict)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    current_handle: SpeechHandle | None = None
    turn_latencies: list[dict[str, float]] = field(default_factory=list)
    user_speaking_since: float | None = None
    last_activity: float = field(default_factory=time.monotonic)
    background: Any = None
    close_reason: str = ""
    finalized: bool = False

    def spawn(self, coro: Any, *, name: str) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def add_llm_usage(self, usage: dict[str, Any]) -> None:
        for model, counts in (usage.get("llm") or {}).items():
            known = self.llm_tokens.setdefault(model, {"input_tokens": 0, "output_tokens": 0})
            known["input_tokens"] += int(counts.get("input_tokens", 0))
            known["output_tokens"] += int(counts.get("output_tokens", 0))
