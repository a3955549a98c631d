"""Production settings refuse to start on the insecure defaults, and start with them replaced.

Each case starts a fresh interpreter (``django.setup()``), because settings are read once per
process from the environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
REFUSAL = "Refusing to start in production on insecure settings"

# Everything that the settings read and a test environment may have set.
SETTINGS_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "BETOOL_ENCRYPTION_KEYS",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "LIVEKIT_URL",
    "LIVEKIT_API_KEY",
    "LIVEKIT_API_SECRET",
    "BETOOL_ENV",
)

SECURE = {
    "BETOOL_ENV": "production",
    "SECRET_KEY": "s" * 24 + "-a-production-secret-key-of-50-chars",
    "BETOOL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    # django.setup() does not connect: these only have to be well formed.
    "DATABASE_URL": "postgres://betool:pw@127.0.0.1:5432/betool",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "betool.example.com",
}

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'session_secure': s.SESSION_COOKIE_SECURE, "
    "'csrf_secure': s.CSRF_COOKIE_SECURE, 'engine': s.DATABASES['default']['ENGINE'], "
    "'eager': s.CELERY_TASK_ALWAYS_EAGER}))"
)


def start(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "betool.settings"
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,  # a fresh interpreter's Django set-up: 15 s, over 60 s on a loaded machine
        check=False,
    )


def test_production_refuses_every_insecure_default_at_once() -> None:
    run = start(BETOOL_ENV="production")
    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr
    assert REFUSAL in run.stderr
    for problem in (
        "SECRET_KEY is unset",
        "BETOOL_ENCRYPTION_KEYS still holds the development key",
        "DATABASE_URL is unset",
        "REDIS_URL is unset",
    ):
        assert problem in run.stderr


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("SECRET_KEY", "too-short", "SECRET_KEY is unset or shorter than 32 characters"),
        ("DEBUG", "true", "DEBUG is on"),
        ("ALLOWED_HOSTS", "*", "ALLOWED_HOSTS allows every host"),
    ],
)
def test_production_refuses_one_insecure_value(variable: str, value: str, problem: str) -> None:
    run = start(**{**SECURE, variable: value})
    assert run.returncode != 0
    assert REFUSAL in run.stderr
    assert problem in run.stderr


def test_production_starts_with_everything_set() -> None:
    run = start(**SECURE)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {
        "debug": False,
        "session_secure": True,
        "csrf_secure": True,
        "engine": "django.db.backends.postgresql",
        "eager": False,
    }


def test_development_starts_on_the_embedded_defaults() -> None:
    run = start()
    assert run.returncode == 0, run.stderr
    probe = json.loads(run.stdout.strip().splitlines()[-1])
    assert probe["engine"] == "django.db.backends.sqlite3"
    assert probe["eager"] is True
    assert probe["debug"] is False  # debug pages only when asked for


def test_debug_is_on_only_when_asked_for() -> None:
    run = start(DEBUG="true")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1])["debug"] is True
