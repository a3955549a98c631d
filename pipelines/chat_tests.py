"""What a browser chat test leaves behind, handed to the layer that keeps call records.

The chat test runs here, in pipelines, but the history of calls belongs to telephony, one
layer up, which pipelines must not import. So telephony registers a recorder at start-up
(:func:`register_chat_test_recorder`); the test session tells it that a run began, each
turn, and the end. Without a recorder a chat test leaves no record (its usage is still
metered, as test usage).

The recorder's methods write to the database: the session calls them through
``sync_to_async``, after the turn's text is out, so the designer never waits for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from betool.models import User, Workspace


class ChatTestEnd(StrEnum):
    """Why a chat test ended."""

    CLOSED = "closed"  # the designer closed or reset the test panel
    HUNG_UP = "hung_up"  # the pipeline hung up
    TRANSFERRED = "transferred"  # the pipeline transferred the caller


@dataclass(frozen=True, slots=True)
class ChatTestStart:
    workspace: Workspace
    tester: User
    pipeline_id: int
    version_number: int | None  # None: the draft
    session_id: str
    started_at: datetime


@dataclass(frozen=True, slots=True)
class ChatTestTurn:
    """One exchange of the chat, as the call history shows a phone call's turns."""

    sequence: int  # 0 is the greeting
    user_text: str
    agent_text: str
    started_at: datetime
    trace: dict[str, Any]
    reason: str
    fallback: bool
    latencies: dict[str, float]
    # The call-control actions the turn took (hang up, transfer, hold), in order.
    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ChatTestRecord:
    """What the recorder made: its id, and the ledger source the run's usage is billed
    under (so that the record shows what the run cost)."""

    record_id: int
    ledger_source: str


class ChatTestRecorder(Protocol):
    def start(self, run: ChatTestStart) -> ChatTestRecord: ...

    def turn(self, record: ChatTestRecord, turn: ChatTestTurn) -> None: ...

    def end(
        self,
        record: ChatTestRecord,
        *,
        ended: ChatTestEnd,
        usage: dict[str, Any],
        transfer_target: str = "",
    ) -> None: ...


_recorder: ChatTestRecorder | None = None


def register_chat_test_recorder(recorder: ChatTestRecorder | None) -> None:
    """Called once by the layer that keeps the records (``None`` unregisters, for tests)."""
    global _recorder
    _recorder = recorder


def chat_test_recorder() -> ChatTestRecorder | None:
    return _recorder
