"""The database: ``DATABASE_URL`` (PostgreSQL in production), else an SQLite file."""

from __future__ import annotations

import dj_database_url

from betool.settings.env import VAR_DIR, env_int, env_str

_default_sqlite = f"sqlite:///{VAR_DIR / 'betool.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", _default_sqlite)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves HTTP, websockets and Celery-eager tasks from one process;
    # a busy timeout keeps concurrent writers from failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    VAR_DIR.mkdir(parents=True, exist_ok=True)
