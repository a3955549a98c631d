"""Per-call state of the voice worker: one instance per job, never shared between calls."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipelines.barge_in import BargeInPolicy
from pipelines.flow_tests.spec import CannedAnswer
from pipelines.graph.document import DEFAULT_FALLBACK_LINE
from pipelines.turn.providers import ProviderRegistry
from pipelines.turn.trace import TurnUsage
from telephony.recordings.policy import RecordingPolicy
from telephony.worker.answering_machine import ScreeningMode
from telephony.worker.barge_in import BargeInControl, TunableVAD
from telephony.worker.dtmf import Keypad
from voice_models.adapters import ModelConfig
from voice_models.llm import LLMClient, LLMError

if TYPE_CHECKING:
    from livekit.agents import AgentSession, BackgroundAudioPlayer, JobContext
    from livekit.agents.voice.speech_handle import SpeechHandle

    from pipelines.engine import Conversation
    from telephony.worker.recorder import CallRecorder
    from telephony.worker.screening import AnswerScreening
    from telephony.worker.sip_leg import SipLeg

GOODBYE_LINE = "Thank you for calling. Goodbye."
MAX_DURATION_LINE = "We have reached the maximum length for this call. Thank you, goodbye."
TRANSFER_FAILED_LINE = "Sorry, I could not transfer your call. Let's continue."
TRANSFER_DECLINED_LINE = "Sorry, they cannot take your call right now. Let's continue."
TRANSFER_BUSY_LINE = "Sorry, that line is busy. Let's continue."
TRANSFER_NO_ANSWER_LINE = "Sorry, nobody answered. Let's continue."
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
    # The number's trunk in LiveKit, outbound side: a warm transfer dials the person on it.
    outbound_trunk_id: str = ""
    # The number's barge-in (speaking nodes may override it).
    barge_in: BargeInPolicy = field(default_factory=BargeInPolicy)
    # Given by whoever placed an outbound call (the API's ``variables``), for the templates.
    variables: dict[str, Any] = field(default_factory=dict)
    # A flow test scenario run by voice plays these model answers instead of the models.
    model_answers: tuple[CannedAnswer, ...] | None = None
    # Outbound calls: "detect" a voicemail, "ignore" it, or "auto" (detect when the Start
    # node has a voicemail branch). Inbound calls are never screened.
    answering_machine: ScreeningMode = "ignore"
    recording: RecordingPolicy = field(default_factory=RecordingPolicy)


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
class CallState:
    plan: CallPlan
    ctx: JobContext
    recorder: CallRecorder
    caller_identity: str = ""
    caller_is_sip: bool = False
    leg: SipLeg | None = None
    session: AgentSession[CallState] | None = None
    conversation: Conversation | None = None
    started_at: float = field(default_factory=time.monotonic)
    turn_seq: int = 0
    barge: BargeInControl = field(default_factory=lambda: BargeInControl(number=BargeInPolicy()))
    vad: TunableVAD | None = None
    ending: bool = False
    end_reason: str = ""
    transfer_target_done: str = ""
    on_hold: bool = False
    hold_resume: asyncio.Event = field(default_factory=asyncio.Event)
    keypad: Keypad = field(default_factory=Keypad)
    # A transfer outcome whose Transfer node output the next turn starts on.
    pending_outcome: str | None = None
    providers: ProviderRegistry | None = None
    silence_prompts: int = 0
    last_user_speech_end: float | None = None
    llm_tokens: TurnUsage = field(default_factory=TurnUsage)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    current_handle: SpeechHandle | None = None
    user_speaking_since: float | None = None
    last_activity: float = field(default_factory=time.monotonic)
    background: BackgroundAudioPlayer | None = None  # the hold music's player, once used
    close_reason: str = ""
    finalized: bool = False
    # An outbound call's answering-machine screening, while it holds the caller's turns.
    screening: AnswerScreening | None = None

    def spawn(self, coro: Any, *, name: str) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def live_conversation(self) -> Conversation:
        """The call's conversation, built before its AgentSession starts."""
        if self.conversation is None:
            raise RuntimeError(f"call {self.plan.call_id} has no conversation yet")
        return self.conversation

    @property
    def fallback_line(self) -> str:
        """What the caller hears when a turn fails: the pipeline's own line."""
        if self.conversation is None:
            return DEFAULT_FALLBACK_LINE
        return self.conversation.fallback_line

    def summary_llm(self) -> LLMClient | None:
        """The call's default language model, for a warm transfer's summary; None without one."""
        if self.providers is None:
            return None
        try:
            return self.providers.llm("")
        except LLMError:
            return None
