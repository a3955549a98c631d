"""Integration tier: PostgreSQL and Redis for real (``scripts/services up``).

Nothing here is skipped quietly: unless ``DATABASE_URL`` names PostgreSQL and ``REDIS_URL``
names a Redis that answers, every test of the tier fails and says why. ``BETOOL_SKIP_INTEGRATION=1``
leaves the tier out on purpose, as a visible skip.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

HOW_TO_START = (
    'Start them with `scripts/services up && eval "$(scripts/services env)"`, '
    "or set BETOOL_SKIP_INTEGRATION=1 to leave the integration tier out."
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)


def _service_problems() -> list[str]:
    import redis
    from django.conf import settings

    problems = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        problems.append(f"DATABASE_URL does not name PostgreSQL (the database engine is {engine})")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is unset")
    else:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3)
        try:
            client.ping()
        except redis.RedisError as exc:
            problems.append(f"Redis at REDIS_URL does not answer ({exc})")
        finally:
            client.close()
    return problems


@pytest.fixture(scope="session", autouse=True)
def integration_services() -> None:
    if os.environ.get("BETOOL_SKIP_INTEGRATION") == "1":
        pytest.skip("BETOOL_SKIP_INTEGRATION=1: the integration tier is left out on purpose")
    problems = _service_problems()
    if problems:
        pytest.fail(
            "The integration tests need real PostgreSQL and Redis: "
            + "; ".join(problems)
            + ". "
            + HOW_TO_START,
            pytrace=False,
        )


def child_database_url() -> str:
    """A ``DATABASE_URL`` naming the test database, for processes that a test starts."""
    from django.db import connection

    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{db['NAME']}"


@pytest.fixture
def process_env(transactional_db: None) -> dict[str, str]:
    """The environment for a child process (a worker, a peer) that shares the test database.

    The test's data is committed (``transactional_db``) so that the child sees it.
    """
    env = dict(os.environ)
    env["DATABASE_URL"] = child_database_url()
    env.setdefault("DJANGO_SETTINGS_MODULE", "betool.settings")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env
