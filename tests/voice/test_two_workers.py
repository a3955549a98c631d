"""Two worker processes on one livekit-server share the calls (LiveKit dispatches each call to
one of them); a worker stopped with SIGTERM finishes the call it has, then exits, and the next
call goes to the other one."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import uuid
from typing import Any

import pytest

from tests.voice import graphs, harness
from tests.voice.conftest import VOICE_DIR, _database_url
from tests.voice.test_calls import assert_heard

pytestmark = pytest.mark.timeout(480)


def _took(worker: harness.WorkerProcess, room: str) -> bool:
    return f'"room": "{room}"' in worker.log(tail=5_000_000)


def test_two_workers_share_the_calls_and_a_stopped_one_finishes_its_call(
    voice_env: harness.LiveKitEnv, call_setup: Any
) -> None:
    agent_name = f"betool-pair-{uuid.uuid4().hex[:8]}"
    database_url = _database_url()
    # One call each: a worker with a call is full, so LiveKit gives the next call to the other.
    workers = [
        harness.start_worker(
            env=voice_env,
            agent_name=agent_name,
            database_url=database_url,
            log_path=VOICE_DIR / f"worker-{agent_name}-{n}.log",
            extra_env={"BETOOL_WORKER_MAX_CALLS": "1", "BETOOL_WORKER_PRELOAD_WHISPER": "0"},
        )
        for n in (1, 2)
    ]
    number = call_setup(silence_timeout_s=0)  # the first caller waits through the second call
    attributes = {"sip.trunkPhoneNumber": number.e164, "sip.phoneNumber": "+15551230000"}
    rooms = [f"call-pair-{uuid.uuid4().hex[:8]}-{n}" for n in range(3)]
    found: dict[str, Any] = {}

    async def scenario() -> None:
        await asyncio.gather(*(harness.wait_for_worker(w, within=180) for w in workers))
        async with harness.caller_in_room(voice_env, room=rooms[0], attributes=attributes) as first:
            await harness.dispatch(voice_env, room=rooms[0], agent_name=agent_name, metadata={})
            assert (await first.hear(within=60, transcribe=False)).first_audio is not None
            async with harness.caller_in_room(
                voice_env, room=rooms[1], attributes=attributes
            ) as second:
                await harness.dispatch(voice_env, room=rooms[1], agent_name=agent_name, metadata={})
                assert (await second.hear(within=60, transcribe=False)).first_audio is not None
            stopped = next(w for w in workers if _took(w, rooms[0]))
            found["stopped"] = stopped
            found["other"] = next(w for w in workers if w is not stopped)
            stopped.process.send_signal(signal.SIGTERM)
            await asyncio.sleep(1.0)
            # Draining: the stopped worker still serves its caller.
            await first.say(graphs.ASK_BALANCE)
            found["answer"] = await first.hear(since=first.mark(), within=30)
            found["alive_while_its_call_ran"] = stopped.process.poll() is None
        # Its last call over, the stopped worker exits by itself.
        try:
            found["exit_code"] = await asyncio.to_thread(stopped.process.wait, 90)
        except subprocess.TimeoutExpired:
            found["exit_code"] = None
        async with harness.caller_in_room(voice_env, room=rooms[2], attributes=attributes) as third:
            await harness.dispatch(voice_env, room=rooms[2], agent_name=agent_name, metadata={})
            found["third"] = await third.hear(within=60, transcribe=False)

    try:
        asyncio.run(scenario())
    finally:
        for worker in workers:
            worker.stop()
    stopped, other = found["stopped"], found["other"]
    # Each worker took one of the first two calls.
    assert _took(other, rooms[1])
    assert not _took(stopped, rooms[1])
    assert found["alive_while_its_call_ran"], "SIGTERM cut the call short"
    assert_heard(found["answer"], graphs.BALANCE)
    assert found["exit_code"] is not None, "the stopped worker did not exit after its call"
    # The next call went to the worker still running.
    assert found["third"].first_audio is not None
    assert _took(other, rooms[2])
    assert not _took(stopped, rooms[2])
