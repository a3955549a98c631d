"""Scenarios run by voice: spoken through LiveKit to the real voice worker and heard back.

Telephony owns LiveKit and the worker, so it registers the player here; pipelines knows
only its shape (the layers below never import telephony).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Literal, Protocol

from betool.models import Workspace
from pipelines.flow_tests.expectations import MentionJudge
from pipelines.flow_tests.runner import ScenarioResult
from pipelines.flow_tests.spec import Scenario

RunMode = Literal["text", "voice"]


class VoicePlayer(Protocol):
    def unavailable(self) -> str | None:
        """Why scenarios cannot run by voice here, in a designer's words; None when they can."""

    def play(
        self,
        *,
        workspace: Workspace,
        pipeline_id: int,
        version_number: int | None,
        scenario: Scenario,
        judge: MentionJudge | None,
    ) -> Awaitable[ScenarioResult]:
        """One scripted scenario, spoken to the worker running the draft or that version."""


_player: VoicePlayer | None = None


def register_voice_player(player: VoicePlayer | None) -> None:
    global _player
    _player = player


def voice_player() -> VoicePlayer | None:
    return _player
