"""A call's barge-in, as it stands while the agent speaks.

The number's policy (mode and sensitivity) holds unless the node whose text is being spoken
chooses its own, and the agent's ``set_barge_in`` tool can switch voice interruptions off.
Voice interruptions are livekit-agents' (``mode="vad"``: the caller's voice activity, held
for the sensitivity's minimum, stops the speech); a key interrupts only when the mode says
so, otherwise it waits until the agent has finished.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from pipelines.barge_in import BargeInPolicy, BargeInSensitivity, NodeBargeIn

if TYPE_CHECKING:
    from livekit.agents import AgentSession
    from livekit.agents.voice.speech_handle import SpeechHandle

# Whatever the session's userdata: only its options are tuned here.
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class InterruptionTuning:
    # Silero's speech probability above which a frame is voice (its default is 0.5).
    vad_activation_threshold: float
    # How long the caller must talk over the agent to stop it.
    min_interruption_s: float


TUNING: dict[BargeInSensitivity, InterruptionTuning] = {
    "low": InterruptionTuning(vad_activation_threshold=0.65, min_interruption_s=0.6),
    "medium": InterruptionTuning(vad_activation_threshold=0.5, min_interruption_s=0.25),
    "high": InterruptionTuning(vad_activation_threshold=0.35, min_interruption_s=0.1),
}


class TunableVAD(Protocol):
    def update_options(self, *, activation_threshold: float) -> None: ...


@dataclass
class BargeInControl:
    number: BargeInPolicy
    nodes: Mapping[str, NodeBargeIn] = field(default_factory=dict)
    # Off once the agent's ``set_barge_in`` tool turned voice interruptions off.
    agent_allows_speech: bool = True
    # The policy of the text now being spoken (the greeting's until a turn speaks).
    current: BargeInPolicy | None = None
    _applied: BargeInSensitivity | None = None

    def policy_for(self, node_id: str) -> BargeInPolicy:
        return self.number.overridden_by(self.nodes.get(node_id))

    @property
    def active(self) -> BargeInPolicy:
        return self.current or self.number

    def speech_allowed(self, policy: BargeInPolicy) -> bool:
        return self.agent_allows_speech and policy.speech_interrupts

    @property
    def keys_interrupt(self) -> bool:
        return self.active.keys_interrupt

    def on_text(
        self,
        *,
        node_id: str,
        interruptible: bool,
        handle: SpeechHandle | None,
        session: AgentSession[U] | None,
        vad: TunableVAD | None,
    ) -> None:
        """A node's text reaches the speech: its policy now holds. A speech that may not be
        interrupted by voice stays so to its end (one reply is one speech)."""
        policy = self.policy_for(node_id)
        self.current = policy
        if (
            handle is not None
            and not handle.interrupted
            and not (interruptible and self.speech_allowed(policy))
        ):
            handle.allow_interruptions = False
        self.tune(policy.sensitivity, session=session, vad=vad)

    def tune(
        self,
        sensitivity: BargeInSensitivity,
        *,
        session: AgentSession[U] | None,
        vad: TunableVAD | None,
    ) -> None:
        if sensitivity == self._applied:
            return
        self._applied = sensitivity
        tuning = TUNING[sensitivity]
        if session is not None:
            session.options.interruption["min_duration"] = tuning.min_interruption_s
        if vad is not None:
            vad.update_options(activation_threshold=tuning.vad_activation_threshold)
