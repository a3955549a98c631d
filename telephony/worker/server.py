"""The AgentServer of betool: explicit dispatch by agent name, one process per call."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from typing import Any

from livekit.agents import AgentServer, JobExecutorType, JobProcess, JobRequest
from livekit.agents.ipc.job_executor import JobExecutor, JobStatus

from telephony.worker.bootstrap import ensure_django
from telephony.worker.livekit_private import (
    ServerWithJobHooks,
    shape_the_sdk_for_calls,
)

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
    shape_the_sdk_for_calls()
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
        except Exception as exc:  # noqa: BLE001 - the same fallback as voice_models.adapters.local_stt
            logger.warning("Whisper is unavailable (%s); local ASR falls back to pocketsphinx", exc)
    # Everything loaded so far (Django, the SDKs, the models: some 420,000 objects) lives as
    # long as the process. Left to the collector, each full collection walks all of it,
    # 250 ms on this machine with the GIL held, and every call in the process goes silent
    # meanwhile. Frozen, a full collection walks only what the calls have made since.
    gc.freeze()


def warm_llm_sdks() -> None:
    """Streams once through each LLM SDK, answered in memory, so a call's first turn does
    not pay their first-use costs. In a thread of its own: prewarm may run inside the job
    process's event loop."""
    from voice_models.llm.connections import exercise_sdks

    warmer = threading.Thread(target=asyncio.run, args=(exercise_sdks(),), name="warm-llm-sdks")
    warmer.start()
    warmer.join(timeout=30)


# Warm processes kept by default at most: each holds the call's models in memory.
IDLE_PROCESSES_CAP = 4
_sized_max_calls: int | None = None


def max_calls() -> int:
    """Calls this worker takes at once: ``BETOOL_WORKER_MAX_CALLS``, or (0) the limits'
    total, read once (the worker's default of 4 once left the 5th of 10 allowed calls
    ringing for 3 minutes, then refused, with no record)."""
    global _sized_max_calls
    from django.conf import settings

    configured = int(settings.VOICE_WORKER_MAX_CALLS)
    if configured > 0:
        return configured
    if _sized_max_calls is None:
        from telephony.selectors import admission_capacity

        _sized_max_calls = admission_capacity()
    return _sized_max_calls


def idle_processes(*, calls: int) -> int:
    """Warm job processes: ``BETOOL_WORKER_IDLE_PROCESSES``, or (0) one per call the worker
    takes, up to :data:`IDLE_PROCESSES_CAP`."""
    from django.conf import settings

    configured = int(settings.VOICE_WORKER_IDLE_PROCESSES)
    return configured if configured > 0 else max(1, min(calls, IDLE_PROCESSES_CAP))


def job_load(server: AgentServer) -> float:
    """Load by calls in progress, not CPU: a busy shared machine must not refuse calls."""
    try:
        active = len(server.active_jobs)
    except AttributeError:  # not running yet
        active = 0
    return min(1.0, active / max_calls()) if active else 0.0


class BetoolServer(ServerWithJobHooks):
    """An AgentServer that knows what one call weighs.

    livekit-agents guesses the load of a job reaching an idle worker as its load threshold
    divided by its idle processes: 0.99 with one. When several calls reach an idle worker at
    once, every one after the first was refused ("no workers with sufficient capacity") and,
    with no other worker, never answered. Here a call weighs 1 / max_calls, always.
    """

    def reserved_job_weight(self) -> float:
        return 1 / max_calls()

    async def job_process_ended(self, proc: JobExecutor) -> None:
        job = proc.running_job
        if job is not None and proc.status == JobStatus.FAILED:
            # The call's process died (killed, crashed): nobody hangs up on its caller, who
            # would stay on a silent line until the reaper. End the leg now, bill to now.
            await end_orphaned_call(room_name=job.job.room.name)


async def end_orphaned_call(*, room_name: str) -> None:
    """Delete the room of a call whose process died (livekit-sip sends the caller a BYE)
    and close its Call as ``worker_lost``, billed to this moment."""
    from asgiref.sync import sync_to_async
    from django.conf import settings
    from django.utils import timezone
    from livekit import api

    from telephony.calls.closing import calls_in_room_close

    died_at = timezone.now()
    logger.warning("the process of the call in room %s died: ending the call", room_name)
    try:
        async with api.LiveKitAPI(
            settings.LIVEKIT_URL, settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET
        ) as lk:
            await asyncio.wait_for(lk.room.delete_room(api.DeleteRoomRequest(room=room_name)), 5)
    except Exception:
        logger.info("room %s was already gone", room_name, exc_info=True)
    try:
        await sync_to_async(calls_in_room_close)(room_name=room_name, at=died_at)
    except Exception:
        logger.exception("the call in room %s could not be closed", room_name)


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
    else:  # a process per call: their usage reports meet in this one (before any starts)
        from telephony.worker.usage_relay import usage_relay_start

        usage_relay_start()
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
