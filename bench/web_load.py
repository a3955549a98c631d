"""The web tier under load: one daphne process (the old serving) against uvicorn workers.

Both serve the same SQLite database (the embedded default, WAL) on loopback, one after the
other. For each: the main reads (health, me, pipelines, calls) with a fixed number of
requests at a fixed concurrency, then concurrent browser test sessions over the websocket
(connect, greeting, one caller turn). Figures: requests/s and p95 per server, sessions that
completed, and the ratios of the workers' figures to the single process'. Ends with one
JSON line. Bounded: fixed counts, a timeout on everything, loopback only.

    uv run python bench/web_load.py                     # 4 workers, 400 reads, 200 sessions
    uv run python bench/web_load.py --workers 2 --reads 200 --sessions 100
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
READ_PATHS = ["/api/health", "/api/me", "/api/pipelines", "/api/calls?limit=20"]

SETUP = """
import json, django
django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from betool.access import WORKSPACE_SESSION_KEY
from betool.models import Membership, User
from betool.roles import Role
from betool.services import api_token_create, workspace_create
from pipelines.services import pipeline_create
call_command("migrate", verbosity=0)
owner = User.objects.create_user("bench", "bench@example.com", "bench-password-1234")
workspace = workspace_create(name="Bench", owner=owner)
membership = Membership.objects.get(user=owner, workspace=workspace)
for index in range(20):
    pipeline = pipeline_create(workspace=workspace, user=owner, name=f"P{index}",
                               template="front_desk")
_, token = api_token_create(membership=membership, name="bench")
session = SessionStore()
session[SESSION_KEY] = str(owner.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
session[WORKSPACE_SESSION_KEY] = workspace.slug
session.create()
print(json.dumps({"token": token, "session": session.session_key, "pipeline": pipeline.pk}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


async def _wait_up(base: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            try:
                if (await client.get(base + "/api/health", timeout=2)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start")


async def _reads(base: str, token: str, count: int, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[str] = asyncio.Queue()
    for index in range(count):
        queue.put_nowait(READ_PATHS[index % len(READ_PATHS)])
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:

        async def reader() -> None:
            nonlocal failures
            while not queue.empty():
                path = queue.get_nowait()
                began = time.perf_counter()
                try:
                    response = await client.get(path, timeout=30)
                    failures += response.status_code >= 400
                except httpx.HTTPError:
                    failures += 1
                latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        await asyncio.gather(*(reader() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return {
        "requests_per_s": round(count / elapsed, 1),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
        "failed": failures,
    }


async def _session(url: str, cookie: str, origin: str) -> float | None:
    began = time.perf_counter()
    try:
        async with asyncio.timeout(60):
            async with connect(
                url, additional_headers={"Cookie": f"sessionid={cookie}"}, origin=origin
            ) as socket_:  # type: ignore[arg-type]
                await _until(socket_, "turn_end")
                await socket_.send(json.dumps({"type": "user_message", "text": "hello"}))
                await _until(socket_, "turn_end")
    # A session that cannot connect, is closed, times out or gets an unreadable message
    # counts as failed.
    except (OSError, TimeoutError, WebSocketException, ValueError, KeyError):
        return None
    return time.perf_counter() - began


async def _until(socket_: Any, kind: str) -> None:
    while True:
        event = json.loads(await socket_.recv())
        if event["type"] == kind:
            return
        if event["type"] == "error":
            raise RuntimeError(event["message"])


async def _sessions(base: str, cookie: str, pipeline: int, count: int) -> dict[str, float]:
    url = base.replace("http", "ws", 1) + f"/ws/pipelines/{pipeline}/test/"
    began = time.perf_counter()
    outcomes = await asyncio.gather(*(_session(url, cookie, base) for _ in range(count)))
    elapsed = time.perf_counter() - began
    done = [outcome for outcome in outcomes if outcome is not None]
    return {
        "completed": len(done),
        "failed": count - len(done),
        "sessions_per_s": round(len(done) / elapsed, 1),
        "p95_ms": round(_percentile(done, 0.95) * 1000, 1),
    }


async def _measure(
    command: list[str], env: dict[str, str], port: int, login: dict[str, Any], args: Any
) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    log_path = Path(env["BETOOL_VAR_DIR"]) / f"server-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(  # noqa: ASYNC220 - started once, stopped below
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        try:
            await _wait_up(base, process)
        except RuntimeError as error:
            raise RuntimeError(f"{error}; its log: {log_path}") from None
        # Every process imports, connects and compiles on its first requests: not measured.
        await _reads(base, login["token"], 4 * args.concurrency, args.concurrency)
        reads = await _reads(base, login["token"], args.reads, args.concurrency)
        sessions = await _sessions(base, login["session"], login["pipeline"], args.sessions)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
    return {"reads": reads, "sessions": sessions}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--reads", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=200)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="betool-web-load-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "LIVEKIT_URL", "CHANNELS_PREFIX")
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "betool.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "BETOOL_VAR_DIR": str(workdir),
    }
    setup = subprocess.run(  # noqa: ASYNC221 - before any load, nothing else runs
        [PYTHON, "-c", SETUP], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    login = json.loads(setup.stdout.strip().splitlines()[-1])
    bin_dir = Path(PYTHON).parent
    single_port, workers_port = _free_port(), _free_port()
    single = await _measure(
        [
            str(bin_dir / "daphne"),
            "-b",
            "127.0.0.1",
            "-p",
            str(single_port),
            "betool.asgi:application",
        ],
        env,
        single_port,
        login,
        args,
    )
    workers = await _measure(
        [str(bin_dir / "uvicorn"), "betool.asgi:application", "--host", "127.0.0.1",
         "--port", str(workers_port), "--workers", str(args.workers), "--ws", "websockets-sansio",
         "--lifespan", "off", "--no-access-log"],
        env,
        workers_port,
        login,
        args,
    )  # fmt: skip

    def ratio(a: float, b: float) -> float:
        return round(a / b, 2) if b else 0.0

    print(
        json.dumps(
            {
                "bench": "web_load",
                "cpus": os.cpu_count(),
                "workers": args.workers,
                "reads": args.reads,
                "concurrency": args.concurrency,
                "sessions": args.sessions,
                "single_process": single,
                "uvicorn_workers": workers,
                "reads_rps_ratio": ratio(
                    workers["reads"]["requests_per_s"], single["reads"]["requests_per_s"]
                ),
                "reads_p95_ratio": ratio(workers["reads"]["p95_ms"], single["reads"]["p95_ms"]),
                "sessions_completed_ratio": ratio(
                    workers["sessions"]["completed"], max(1, single["sessions"]["completed"])
                ),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
