"""Barge-in through a real livekit-server: the caller talks over the agent, how soon it stops.

The real worker (``manage.py worker``, a job process per call as in production) answers the
voice tier's front-desk graph; a caller (LiveKit Python SDK) asks for a story, lets it play,
then talks over it (espeak-ng speech), several times in one call. Figure per barge-in: the
caller's first speech frame handed to the SDK → the agent's last loud frame heard before the
caller finished (the story's end). The test tier only checks the order of these events
(tests/voice/test_calls.py); the speed is measured here.

The baseline, in the same run: ``interruption_min_ms``, the speech the worker waits for
before it takes a barge-in as one (``telephony.worker.session.INTERRUPTION_MIN_S``), which
no agent configured so can beat; ``stop_above_min`` is the stop latency less it: what VAD,
transport and the worker add. Ends with one JSON line, with the load average.

    eval "$(scripts/services env)" && uv run python bench/barge_in.py --barge-ins 6
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django_setup import percentile


def setup_django(workdir: Path) -> str:
    """Django on a SQLite file of the bench's, migrated, shared with the worker process."""
    url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betool.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def create_number() -> str:
    from betool.models import User
    from betool.services import workspace_create
    from pipelines.models import Pipeline, PipelineVersion
    from telephony.models import PhoneNumber
    from tests.conftest import fund
    from tests.voice.graphs import front_desk_graph

    owner = User.objects.create_user(f"bench-{uuid.uuid4().hex[:6]}", "b@example.com", "x")
    workspace = workspace_create(name="Barge-in bench", owner=owner)
    fund(workspace)
    graph = front_desk_graph()
    pipeline = Pipeline.objects.create(workspace=workspace, name="Front desk", draft=graph)
    PipelineVersion.objects.create(pipeline=pipeline, number=1, graph=graph)
    e164 = "+1555" + str(uuid.uuid4().int)[:7]
    PhoneNumber.objects.create(workspace=workspace, e164=e164, pipeline=pipeline)
    return e164


async def barge_ins(env: Any, agent_name: str, number: str, count: int) -> list[float]:
    from tests.voice import graphs, harness

    room = f"call-bench-{uuid.uuid4().hex[:10]}"
    attributes = {"sip.trunkPhoneNumber": number, "sip.phoneNumber": "+15551230000"}
    stops: list[float] = []
    try:
        async with harness.caller_in_room(env, room=room, attributes=attributes) as caller:
            await harness.dispatch(env, room=room, agent_name=agent_name, metadata={})
            await caller.hear(within=40, transcribe=False)
            loop = asyncio.get_running_loop()
            for _ in range(count):
                await caller.say(graphs.ASK_STORY)
                give_up, story = loop.time() + 20, None
                while story is None and loop.time() < give_up:
                    story = caller.first_loud_after(caller.speech_sent[-1][1])
                    await asyncio.sleep(0.05)
                if story is None:
                    print("the agent never started the story", file=sys.stderr)
                    continue
                await asyncio.sleep(1.5)  # the story well under way
                mark = caller.mark()
                started, ended = await caller.say(graphs.ASK_BALANCE)
                await caller.hear(since=caller.mark(), within=20, transcribe=False)
                stopped = caller.last_loud_before(mark, ended)
                if stopped is not None:
                    stops.append((stopped - started) * 1000)
                    print(f"barge-in stopped the agent in {stops[-1]:.0f} ms", file=sys.stderr)
    finally:
        await harness.delete_room(env, room)
    return stops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--barge-ins", type=int, default=6)
    args = parser.parse_args()
    from tests.voice import harness

    try:
        env = harness.livekit_env()
    except harness.VoiceEnvMissing as exc:
        sys.exit(str(exc))
    with tempfile.TemporaryDirectory(prefix="betool-bench-") as directory:
        workdir = Path(directory)
        database_url = setup_django(workdir)
        from telephony.worker.session import INTERRUPTION_MIN_S

        number = create_number()
        agent_name = f"betool-bench-{uuid.uuid4().hex[:6]}"
        worker = harness.start_worker(
            env=env,
            agent_name=agent_name,
            database_url=database_url,
            log_path=workdir / "worker.log",
            extra_env={"BETOOL_WORKER_PRELOAD_WHISPER": "0"},
        )
        try:
            asyncio.run(harness.wait_for_worker(worker))
            stops = asyncio.run(barge_ins(env, agent_name, number, args.barge_ins))
        finally:
            worker.stop()
    minimum = INTERRUPTION_MIN_S * 1000
    figures: dict[str, Any] = {"bench": "barge_in", "barge_ins": len(stops)}
    if stops:
        figures |= {
            "stop_p50_ms": round(percentile(stops, 0.5), 1),
            "stop_p95_ms": round(percentile(stops, 0.95), 1),
            "interruption_min_ms": minimum,
            "stop_above_min_p50_ms": round(percentile(stops, 0.5) - minimum, 1),
            "stop_above_min_p95_ms": round(percentile(stops, 0.95) - minimum, 1),
            "stop_over_min_p95": round(percentile(stops, 0.95) / minimum, 2),
        }
    figures["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
