"""Celery for real: a task sent through Redis runs in a `celery worker` process that we start."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from betool.tasks import ping
from tests.integration.conftest import ROOT


@pytest.fixture
def celery_worker_process(
    process_env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """A real worker on a queue of its own (no other worker on the broker can take the task)."""
    queue = f"it-{uuid.uuid4().hex}"
    log = tmp_path / "celery-worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "betool",
                "worker",
                "--pool=solo",
                "--queues",
                queue,
                "--hostname",
                f"{queue}@%h",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=process_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield worker, queue, log
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@pytest.mark.django_db(transaction=True)
def test_task_runs_in_a_real_worker_process(
    celery_worker_process: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    worker, queue, log = celery_worker_process
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    token = uuid.uuid4().hex
    result = ping.apply_async(args=[token], queue=queue)
    try:
        answer = result.get(timeout=90)
    except Exception as exc:
        raise AssertionError(
            f"the worker did not answer ({exc!r}); its log:\n{log.read_text()[-3000:]}"
        ) from exc
    assert answer == {
        "token": token,
        "pid": worker.pid,
        "hostname": answer["hostname"],
        "database": "postgresql",
    }
    assert worker.poll() is None, "the worker exited"
