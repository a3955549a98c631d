"""The database: ``DATABASE_URL`` (PostgreSQL in production), else an SQLite file."""

from __future__ import annotations

import dj_database_url

from betool.settings.env import VAR_DIR, env_bool, env_int, env_str

_default_sqlite = f"sqlite:///{VAR_DIR / 'betool.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", _default_sqlite)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves HTTP, websockets and Celery-eager tasks from several
    # processes: WAL lets readers run beside the writer, IMMEDIATE transactions take the
    # write lock up front (a deferred one that upgrades fails at once with "database is
    # locked", whatever the timeout), and the busy timeout makes writers queue.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    VAR_DIR.mkdir(parents=True, exist_ok=True)
# The async hot reads (betool/async_views.py) query on the thread pool, several at once.
# Off: on the thread that sync views share, one at a time (the tests, whose transaction is
# on that thread's connection and invisible to the pool's).
WEB_READS_ON_THREAD_POOL = env_bool("BETOOL_WEB_READS_ON_THREAD_POOL", True)
