"""Every private livekit-agents name the worker relies on, in this one module.

Each has no public equivalent in the livekit-agents this project pins: the speech a reply
task is generating (a context variable), two points of ``AgentServer`` — how it weighs a
job it has accepted but not started, and what it does when a job's process ends — and how
much sound the background player has buffered beyond a stopped handle. The rest
of the worker uses the functions and the class below, never the names themselves.
``tests/unit/telephony/test_livekit_private.py`` fails when an upgrade moves one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livekit.agents import AgentServer
from livekit.agents.ipc.job_executor import JobExecutor
from livekit.agents.voice import background_audio
from livekit.agents.voice.agent_activity import _SpeechHandleContextVar

if TYPE_CHECKING:
    from livekit.agents.voice.speech_handle import SpeechHandle

# What each private name is, for the test that checks they are still there.
SERVER_METHODS = ("_get_effective_load", "_update_job_status", "_is_available")
SERVER_ATTRIBUTES = ("_worker_load", "_reserved_slots")


# The background player mixes in blocks of this many samples at 48 kHz (its constructor's
# ``blocksize``, not a module constant).
BACKGROUND_MIXER_BLOCK_SAMPLES = 4800


def background_audio_tail_s() -> float:
    """How long the caller still hears a background sound after its handle is stopped.

    The player removes a stopped sound from its mixer rather than clearing its track's
    buffer (which would click), so what is buffered and the block being mixed still play.
    """
    buffered_ms: int = background_audio._AUDIO_SOURCE_BUFFER_MS
    return buffered_ms / 1000 + BACKGROUND_MIXER_BLOCK_SAMPLES / 48_000


def current_speech_handle() -> SpeechHandle | None:
    """The speech the running reply task is generating (inside ``llm_node``); None outside."""
    return _SpeechHandleContextVar.get(None)


class ServerWithJobHooks(AgentServer):
    """An ``AgentServer`` whose load and finished jobs subclasses see through public hooks."""

    def reserved_job_weight(self) -> float | None:
        """The load one accepted, not yet started job adds; None: livekit-agents' estimate."""
        return None

    async def job_process_ended(self, proc: JobExecutor) -> None:
        """After livekit-agents noted a job process's new status."""

    def _get_effective_load(self) -> float:
        weight = self.reserved_job_weight()
        if weight is None:
            return super()._get_effective_load()
        # Calls accepted but not yet started count like running ones.
        return self._worker_load + self._reserved_slots * weight

    async def _update_job_status(self, proc: JobExecutor) -> None:
        await super()._update_job_status(proc)
        await self.job_process_ended(proc)
