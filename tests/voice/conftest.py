"""Voice tier: a real livekit-server (from the environment) and the real worker process.

``LIVEKIT_URL``, ``LIVEKIT_API_KEY`` and ``LIVEKIT_API_SECRET`` must name a running server
(``scripts/services up``); unset, every voice test fails with that message, unless
``BETOOL_SKIP_VOICE=1`` asks to leave the tier out.

The worker runs as ``manage.py worker`` in its own process, on the test database: tests
commit their data (``transactional_db``) so that the worker sees it. An SQLite test database
is put in a file for that (an in-memory one cannot be shared between processes).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.voice import harness, tier

VOICE_DIR = Path(os.environ.get("BETOOL_VAR_DIR", harness.ROOT / "var")) / "test-voice"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/voice/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.voice)


pytest_runtest_makereport = tier.worker_log_hook(VOICE_DIR)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    tier.isolate_test_database(run_dir=VOICE_DIR, tier="voice")


@pytest.fixture(scope="session")
def voice_env() -> harness.LiveKitEnv:
    if os.environ.get("BETOOL_SKIP_VOICE") == "1":
        pytest.skip("BETOOL_SKIP_VOICE=1: the voice tier is left out on purpose")
    try:
        return harness.livekit_env()
    except harness.VoiceEnvMissing as exc:
        pytest.fail(str(exc), pytrace=False)


def _database_url() -> str:
    from django.db import connection

    settings = connection.settings_dict
    name = settings["NAME"]
    if settings["ENGINE"].endswith("sqlite3"):
        if not name or ":memory:" in str(name) or "mode=memory" in str(name):
            pytest.fail(
                "The voice tests share the test database with the worker process, which an "
                "in-memory SQLite database cannot do: run the voice tier on its own "
                "(pytest tests/voice) or with DATABASE_URL set to PostgreSQL.",
                pytrace=False,
            )
        return f"sqlite:///{name}"
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "127.0.0.1"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{name}"


@pytest.fixture(scope="session")
def worker(
    voice_env: harness.LiveKitEnv, django_db_setup: None, django_db_blocker: Any
) -> Iterator[tuple[str, harness.WorkerProcess]]:
    """The worker, registered under a name of its own (other workers on the server stay out)."""
    with django_db_blocker.unblock():
        database_url = _database_url()
    agent_name, process = tier.start_named_worker(
        voice_env,
        prefix="betool-test",
        run_dir=VOICE_DIR,
        database_url=database_url,
        # No livekit-sip in this tier: an outbound call's callee joins its room itself.
        extra_env={
            "BETOOL_WORKER_MAX_CALLS": "2",
            "BETOOL_WORKER_DEBUG": "1",
            "BETOOL_OUTBOUND_DIALER": "room",
        },
    )
    try:
        asyncio.run(harness.wait_for_worker(process))
        yield agent_name, process
    finally:
        process.stop()


@pytest.fixture
def call_setup(transactional_db: None) -> Callable[..., Any]:
    """A workspace, the front-desk pipeline published, and a number that answers with it."""
    from telephony.models import PhoneNumber
    from tests.voice.graphs import TRANSFER_TARGET

    def make(**number_fields: Any) -> Any:
        pipeline = tier.published_front_desk(tier.funded_workspace("Voice test"))
        fields = {"transfer_target": TRANSFER_TARGET, **number_fields}
        return PhoneNumber.objects.create(
            workspace=pipeline.workspace, e164=tier.unique_e164(), pipeline=pipeline, **fields
        )

    return make
