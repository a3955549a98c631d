"""The voice-test harness: a caller in a LiveKit room, and the worker as a subprocess.

The caller (``telephony.test_calls.voice_caller``, which flow suites run by voice with) is
re-exported here for the tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from livekit import api

from telephony.test_calls.voice_caller import (
    FRAME_MS,
    RATE,
    ROOM_RATE,
    SPEECH_RMS,
    Caller,
    Heard,
    LiveKitEnv,
    Received,
    similarity,
    speech_frames,
    to_frames,
    tone_frames,
    transcribe_pcm,
    word_share,
    words,
)

__all__ = [
    "FRAME_MS",
    "RATE",
    "ROOM_RATE",
    "SPEECH_RMS",
    "Caller",
    "Heard",
    "LiveKitEnv",
    "Received",
    "similarity",
    "speech_frames",
    "to_frames",
    "tone_frames",
    "transcribe_pcm",
    "word_share",
    "words",
]

ROOT = Path(__file__).resolve().parents[2]


class VoiceEnvMissing(RuntimeError):
    pass


def livekit_env() -> LiveKitEnv:
    url = os.environ.get("LIVEKIT_URL", "")
    key = os.environ.get("LIVEKIT_API_KEY", "")
    secret = os.environ.get("LIVEKIT_API_SECRET", "")
    if not (url and key and secret):
        raise VoiceEnvMissing(
            "The voice tests need a running livekit-server: set LIVEKIT_URL, LIVEKIT_API_KEY "
            'and LIVEKIT_API_SECRET (eval "$(scripts/services env)" after scripts/services up), '
            "or set BETOOL_SKIP_VOICE=1 to leave the voice tier out deliberately."
        )
    return LiveKitEnv(url, key, secret)


async def dispatch(env: LiveKitEnv, *, room: str, agent_name: str, metadata: dict) -> None:
    async with api.LiveKitAPI(env.url, env.api_key, env.api_secret) as lk:
        await lk.agent_dispatch.create_dispatch(
            api.CreateAgentDispatchRequest(
                agent_name=agent_name, room=room, metadata=json.dumps(metadata)
            )
        )


async def room_exists(env: LiveKitEnv, room: str) -> bool:
    async with api.LiveKitAPI(env.url, env.api_key, env.api_secret) as lk:
        rooms = await lk.room.list_rooms(api.ListRoomsRequest(names=[room]))
        return any(r.name == room for r in rooms.rooms)


async def delete_room(env: LiveKitEnv, room: str) -> None:
    async with api.LiveKitAPI(env.url, env.api_key, env.api_secret) as lk:
        with contextlib.suppress(Exception):
            await lk.room.delete_room(api.DeleteRoomRequest(room=room))


@dataclass
class WorkerProcess:
    """``manage.py worker`` in its own process group; its log is kept for failures."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM to the worker (it drains and closes its job processes), then the group."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # nothing of it may outlive the tests


def start_worker(
    *, env: LiveKitEnv, agent_name: str, database_url: str, log_path: Path, extra_env: dict
) -> WorkerProcess:
    worker_env = {
        **os.environ,
        "LIVEKIT_URL": env.url,
        "LIVEKIT_API_KEY": env.api_key,
        "LIVEKIT_API_SECRET": env.api_secret,
        "LIVEKIT_AGENT_NAME": agent_name,
        "DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
        # The fake providers listen on loopback: the operator's opt-in for a local server.
        "BETOOL_HTTP_ALLOW_PRIVATE_NETWORK": "1",
        **extra_env,
    }
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "worker", "--idle-processes", "1"],
        cwd=ROOT,
        env=worker_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return WorkerProcess(process, log_path)


async def wait_for_worker(worker: WorkerProcess, *, within: float = 90.0) -> None:
    """Until the worker is registered with LiveKit and its warm job process is ready."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + within
    while loop.time() < give_up:
        if worker.process.poll() is not None:
            raise RuntimeError(f"the worker exited early:\n{worker.log()}")
        text = worker.log(tail=200_000)
        if "registered worker" in text and "process initialized" in text:
            return
        await asyncio.sleep(0.25)
    raise RuntimeError(f"the worker did not register in {within:g}s:\n{worker.log()}")


@contextlib.asynccontextmanager
async def caller_in_room(
    env: LiveKitEnv, *, room: str, attributes: dict[str, str]
) -> AsyncIterator[Caller]:
    caller = Caller(env, room, attributes=attributes)
    await caller.join()
    try:
        yield caller
    finally:
        await caller.leave()
