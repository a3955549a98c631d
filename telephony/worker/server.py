"""The AgentServer of betool: explicit dispatch by agent name, one process per call."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from livekit.agents import AgentServer, JobExecutorType, JobProcess, JobRequest

from telephony.worker.bootstrap import ensure_django

logger = logging.getLogger("betool.worker")


PLUGINS = (
    "livekit.plugins.silero",
    "livekit.plugins.deepgram",
    "livekit.plugins.openai",
    "livekit.plugins.elevenlabs",
)


def import_plugins() -> None:
    """livekit plugins register themselves and must be imported on a main thread: the job
    process's (prewarm), or the worker's when calls run in threads."""
    import importlib

    if threading.current_thread() is not threading.main_thread():
        return
    for module in PLUGINS:
        try:
            importlib.import_module(module)
        except ImportError:
            logger.warning("the plugin %s is not installed", module)


def prewarm(proc: JobProcess) -> None:
    """Once per job process, before any call: Django, Silero VAD, the local voices."""
    ensure_django()
    from django.conf import settings

    if settings.VOICE_WORKER_DEBUG:
        logger.setLevel(logging.DEBUG)
    import_plugins()
    from livekit.plugins import silero

    from voice_models.adapters import END_OF_TURN_SILENCE_S
    from voice_models.local.espeak import engine
    from voice_models.local.stt import WhisperSTT

    proc.userdata["vad"] = silero.VAD.load(min_silence_duration=END_OF_TURN_SILENCE_S)
    engine()
    # What the first call would otherwise import with the event loop blocked.
    import importlib

    for module in (
        "pipelines.engine.compiler",
        "pipelines.engine.conversation",
        "telephony.worker.session",
        "telephony.services",
        "voice_models.llm",
    ):
        importlib.import_module(module)
    warm_llm_sdks()
    if settings.VOICE_WORKER_PRELOAD_WHISPER:
        try:
            WhisperSTT().prewarm()
        except Exception:
            logger.warning("Whisper is unavailable; local ASR falls back to pocketsphinx")


def warm_llm_sdks() -> None:
    """Streams once through each LLM SDK, answered in memory, so a call's first turn does
    not pay their first-use costs. In a thread of its own: prewarm may run inside the job
    process's event loop."""
    from voice_models.llm.connections import exercise_sdks

    warmer = threading.Thread(target=asyncio.run, args=(exercise_sdks(),), name="warm-llm-sdks")
    warmer.start()
    warmer.join(timeout=30)


def max_calls() -> int:
    from django.conf import settings

    return int(settings.VOICE_WORKER_MAX_CALLS)


def job_load(server: AgentServer) -> float:
    """Load by calls in progress, not CPU: a busy shared machine must not refuse calls."""
    try:
        active = len(server.active_jobs)
    except AttributeError:  # not running yet
        active = 0
    return min(1.0, active / max_calls())


class BetoolServer(AgentServer):
    """An AgentServer that knows what one call weighs.

    livekit-agents guesses the load of a job reaching an idle worker as its load threshold
    divided by its idle processes: 0.99 with one. When several calls reach an idle worker at
    once, every one after the first was refused ("no workers with sufficient capacity") and,
    with no other worker, never answered. Here a call weighs 1 / max_calls, always.
    """

    def _get_effective_load(self) -> float:
        # Calls accepted but not yet started count like running ones.
        return self._worker_load + self._reserved_slots / max_calls()


async def on_request(request: JobRequest) -> None:
    await request.accept(name="betool", identity=f"betool-agent-{request.id}")


async def _entrypoint(ctx: Any) -> None:
    from telephony.worker.session import entrypoint

    await entrypoint(ctx)


def build_server(
    *,
    agent_name: str,
    ws_url: str,
    api_key: str,
    api_secret: str,
    idle_processes: int = 1,
    executor: str = "process",
    http_port: int = 0,
    load_threshold: float = 0.99,
) -> AgentServer:
    if executor == "thread":
        import_plugins()
    server = BetoolServer(
        ws_url=ws_url,
        api_key=api_key,
        api_secret=api_secret,
        setup_fnc=prewarm,
        num_idle_processes=idle_processes,
        job_executor_type=(
            JobExecutorType.THREAD if executor == "thread" else JobExecutorType.PROCESS
        ),
        host="127.0.0.1",
        port=http_port,
        load_threshold=load_threshold,
        load_fnc=job_load,
        initialize_process_timeout=60.0,
        shutdown_process_timeout=15.0,
        job_memory_warn_mb=1500,
    )
    server.rtc_session(_entrypoint, agent_name=agent_name, on_request=on_request)
    return server
