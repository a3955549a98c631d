"""The Agent of a call: its LLM node is the betool graph, one ``run_turn`` per caller turn.

The engine streams text cut at sentence boundaries; each chunk is yielded to the TTS node
at once, so the caller hears the first sentence while the graph is still running. What the
turn did (text spoken, trace, tokens, interruption) is handed to the recorder when its
speech is done, off the per-turn path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterable, AsyncIterator
from typing import TYPE_CHECKING, Any, Never

from livekit import rtc
from livekit.agents import Agent, APIConnectOptions, llm
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, NOT_GIVEN, NotGivenOr
from livekit.agents.voice.agent import ModelSettings

from pipelines.turn.events import Event, TextEvent, ToolEvent, TurnEndEvent
from telephony.worker import screening
from telephony.worker.livekit_private import current_speech_handle
from telephony.worker.state import CallState, TurnTiming
from telephony.worker.turn_tts import TurnTTS, synthesize

if TYPE_CHECKING:
    from livekit.agents.voice.speech_handle import SpeechHandle

logger = logging.getLogger("betool.worker")


class GraphLLM(llm.LLM[Never]):
    """Stands in the LLM slot so the session runs its reply pipeline; the graph answers.

    :class:`BetoolAgent` replaces the LLM node, so ``chat`` is never called.
    """

    @property
    def model(self) -> str:
        return "betool-graph"

    @property
    def provider(self) -> str:
        return "betool"

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict[str, Any]] = NOT_GIVEN,
    ) -> llm.LLMStream:
        raise NotImplementedError("the betool graph replaces the LLM node")


def last_user_text(chat_ctx: llm.ChatContext) -> str:
    for item in reversed(chat_ctx.items):
        if isinstance(item, llm.ChatMessage) and item.role == "user":
            return (item.text_content or "").strip()
    return ""


class TurnOutput:
    """What one run of the graph produced (filled while the engine streams)."""

    def __init__(self, timing: TurnTiming) -> None:
        self.timing = timing
        self.spoken: list[str] = []
        self.trace: dict[str, Any] = {}
        self.reason = ""
        self.fallback = False


class AudioMeter:
    """How much audio the current speech pushed, to know when it has been heard."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.pushed_s = 0.0
        self.last_frame: float = 0.0

    def reset(self) -> None:
        self.started = None
        self.pushed_s = 0.0

    def frame(self, duration: float) -> None:
        now = time.perf_counter()
        if self.started is None:
            self.started = now
        self.pushed_s += duration
        self.last_frame = now

    def played_out(self, *, idle_s: float) -> bool:
        now = time.perf_counter()
        if self.started is None:
            return True
        return now - self.last_frame >= idle_s and now >= self.started + self.pushed_s


class BetoolAgent(Agent):
    """The agent of one call; its state is the session's userdata (one AgentSession a call)."""

    def __init__(self) -> None:
        super().__init__(instructions="betool graph")
        # The turn being spoken (the greeting's too): the TTS node and the hang-up read it.
        self.current_turn: TurnOutput | None = None
        self.audio_meter = AudioMeter()
        self.turn_tts = TurnTTS()

    @property
    def state(self) -> CallState:
        userdata = self.session.userdata
        if not isinstance(userdata, CallState):
            raise TypeError("a BetoolAgent runs in a session whose userdata is its CallState")
        return userdata

    async def on_user_turn_completed(
        self, turn_ctx: llm.ChatContext, new_message: llm.ChatMessage
    ) -> None:
        # An outbound callee being screened for a voicemail gets no reply to its greeting.
        if screening.holds_turn(self.state):
            raise llm.StopResponse()

    # -- the graph in the LLM slot --

    async def llm_node(
        self,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool],
        model_settings: ModelSettings,
    ) -> AsyncIterator[str]:
        state = self.state
        digits = state.keypad.take_digits()
        # A transfer's outcome starts a turn of its own, on the Transfer node's output.
        outcome, state.pending_outcome = state.pending_outcome, None
        user_text = "" if digits is not None or outcome else last_user_text(chat_ctx)
        handle = current_speech_handle()
        state.current_handle = handle
        if handle is not None:
            if not state.barge.agent_allows_speech:
                handle.allow_interruptions = False
            self._open_tts(handle)
        timing = TurnTiming(
            user_speech_end=state.last_user_speech_end, engine_start=time.perf_counter()
        )
        output = TurnOutput(timing)
        self.current_turn = output
        state.turn_seq += 1
        sequence = state.turn_seq
        logger.debug(
            "call %s turn %s: %r digits=%r", state.plan.call_id, sequence, user_text, digits
        )
        started_at = _now()
        async for chunk in self.run_graph(
            state.live_conversation().run_turn(user_text, digits=digits), output, handle
        ):
            yield chunk
        timing.engine_end = time.perf_counter()
        record = {
            "sequence": sequence,
            "user_text": f"[transfer {outcome}]"
            if outcome
            else (user_text if digits is None else f"[digits] {digits}"),
            "started_at": started_at,
        }
        if handle is None:
            self._record_turn(record, output, interrupted=False)
        else:
            handle.add_done_callback(
                lambda h: self._record_turn(record, output, interrupted=h.interrupted)
            )

    async def run_graph(
        self, events: AsyncIterable[Event], output: TurnOutput, handle: SpeechHandle | None
    ) -> AsyncIterator[str]:
        """Text of the engine's events, with everything else noted on ``output``.

        An exception from the engine (it should not raise, but a bug might) ends the turn
        with the fallback line: the caller never hears silence.
        """
        state = self.state
        try:
            async for event in events:
                if isinstance(event, TextEvent):
                    if output.timing.first_text is None:
                        output.timing.first_text = time.perf_counter()
                    state.barge.on_text(
                        node_id=event.node_id,
                        interruptible=event.interruptible,
                        handle=handle,
                        session=state.session,
                        vad=state.vad,
                    )
                    output.spoken.append(event.text)
                    yield event.text + " "
                elif isinstance(event, TurnEndEvent):
                    output.trace = event.trace.as_dict()
                    output.reason = event.reason
                    output.fallback = event.fallback
                    state.llm_tokens.absorb(event.usage)
                elif isinstance(event, ToolEvent):
                    from telephony.models import CallEventKind

                    state.recorder.event(
                        CallEventKind.TOOL,
                        event.name,
                        {"arguments": dict(event.arguments), "result": event.result},
                    )
                # Actions reach the session through its VoiceActions handlers, not as events.
        except Exception:
            logger.exception("the graph failed during a turn (call %s)", state.plan.call_id)
            output.fallback = True
            output.reason = output.reason or "node_error"
            line = state.fallback_line
            output.spoken.append(line)
            yield line

    def _record_turn(
        self, record: dict[str, Any], output: TurnOutput, *, interrupted: bool
    ) -> None:
        self.state.recorder.turn(
            **record,
            agent_text=" ".join(output.spoken),
            latencies=output.timing.as_latencies(),
            trace=output.trace,
            interrupted=interrupted,
            reason=output.reason,
            fallback=output.fallback,
        )

    # -- the turn's speech: its TTS stream opened ahead, its first frame timed --

    def _open_tts(self, handle: SpeechHandle) -> None:
        audio = self.session.output.audio
        if audio is None or not self.session.output.audio_enabled:
            return  # nothing will be spoken: tts_node is not called
        self.turn_tts.open(
            engine=self.session.tts,
            conn_options=self.session.conn_options.tts_conn_options,
            handle=handle,
        )

    async def tts_node(
        self, text: AsyncIterable[str], model_settings: ModelSettings
    ) -> AsyncIterator[rtc.AudioFrame]:
        first = True
        self.audio_meter.reset()
        ready = self.turn_tts.take(current_speech_handle())
        frames = (
            Agent.default.tts_node(self, text, model_settings)
            if ready is None
            else synthesize(ready, text)
        )
        async for frame in frames:
            self.audio_meter.frame(frame.duration)
            if first:
                first = False
                current = self.current_turn  # set by llm_node before any text reached the TTS
                if current is not None and current.timing.first_audio is None:
                    current.timing.first_audio = time.perf_counter()
            yield frame


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()
