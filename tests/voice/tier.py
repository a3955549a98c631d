"""What the voice and phone tiers share around their worker: a test database of their own, the
settings that point betool at the tier's LiveKit server, and a funded workspace that answers
with the front desk."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.voice import harness


def isolate_test_database(*, run_dir: Path, tier: str) -> None:
    """The body of a tier's ``django_db_modify_db_settings``: SQLite in a file under
    ``run_dir`` (the worker process opens it too; an in-memory one cannot be shared), or a
    PostgreSQL database named for the tier, so that it may run beside the other tiers."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    test = database.setdefault("TEST", {})
    if database["ENGINE"].endswith("sqlite3"):
        run_dir.mkdir(parents=True, exist_ok=True)
        test["NAME"] = str(run_dir / "test-db.sqlite3")
    elif not test.get("NAME"):
        test["NAME"] = f"test_{database['NAME']}_{tier}"


def use_livekit(settings: Any, env: harness.LiveKitEnv) -> None:
    """pytest-django's ``settings`` pointed at the tier's server (restored after the test)."""
    settings.LIVEKIT_URL = env.url
    settings.LIVEKIT_API_KEY = env.api_key
    settings.LIVEKIT_API_SECRET = env.api_secret
    settings.LIVEKIT_ENABLED = True


def funded_workspace(name: str) -> Any:
    from betool.models import User
    from betool.services import workspace_create
    from tests.conftest import fund

    owner = User.objects.create_user(f"owner-{uuid.uuid4().hex[:6]}", "o@example.com", "x")
    workspace = workspace_create(name=name, owner=owner)
    fund(workspace)
    return workspace


def published_front_desk(workspace: Any, graph: dict[str, Any] | None = None) -> Any:
    """A pipeline whose version 1 is ``graph`` (the voice tier's front desk by default)."""
    from pipelines.models import Pipeline, PipelineVersion
    from tests.voice.graphs import front_desk_graph

    graph = graph or front_desk_graph()
    pipeline = Pipeline.objects.create(workspace=workspace, name="Front desk", draft=graph)
    PipelineVersion.objects.create(pipeline=pipeline, number=1, graph=graph)
    return pipeline


def unique_e164() -> str:
    return "+1555" + str(uuid.uuid4().int)[:7]


def start_named_worker(
    env: harness.LiveKitEnv,
    *,
    prefix: str,
    run_dir: Path,
    database_url: str,
    extra_env: dict[str, str],
) -> tuple[str, harness.WorkerProcess]:
    """A worker under an agent name of its own (other workers on the server take none of its
    calls), its log beside the tier's other files. Not yet waited for."""
    agent_name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    run_dir.mkdir(parents=True, exist_ok=True)
    process = harness.start_worker(
        env=env,
        agent_name=agent_name,
        database_url=database_url,
        log_path=run_dir / f"worker-{agent_name}.log",
        extra_env=extra_env,
    )
    return agent_name, process


def worker_log_lines(run_dir: Path, *, since: float, limit: int = 60) -> str:
    """The worker's own log lines written since ``since`` (a ``time.time()``), newest last: what
    a failed test's report shows of the other process (livekit-agents' JSON copies left out)."""
    lines: list[str] = []
    for path in sorted(run_dir.glob("worker-*.log")):
        if path.stat().st_mtime < since:
            continue
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(since - 1))
        with path.open(errors="replace") as log:
            lines += [
                f"{path.name}: {line.rstrip()[:300]}"
                for line in log
                if line[:1].isdigit() and line[:19] >= stamp
            ]
    return "\n".join(sorted(lines, key=lambda line: line.split(": ", 1)[1][:23])[-limit:])


def worker_log_hook(run_dir: Path) -> Callable[..., Any]:
    """A tier's ``pytest_runtest_makereport``: a failed call phase carries the worker's log of
    its time, which a CI summary shows where the worker's file is out of reach."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        if call.when == "setup":
            item.stash[_STARTED] = call.start
        elif call.when == "call" and report.failed and _STARTED in item.stash:
            text = worker_log_lines(run_dir, since=item.stash[_STARTED])
            if text:
                report.sections.append(("Captured worker log", text))
        return report

    return pytest_runtest_makereport


_STARTED = pytest.StashKey[float]()
