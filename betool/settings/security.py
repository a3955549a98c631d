"""Secrets, cookies and the refusal to run production on insecure defaults."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from betool.settings.base import ALLOWED_HOSTS, BETOOL_ENV, DEBUG
from betool.settings.database import DATABASE_URL
from betool.settings.env import env_bool, env_list, env_str
from betool.settings.queues import REDIS_URL

_INSECURE_SECRET_KEY = "insecure-development-key-do-not-use-in-production"
_INSECURE_ENCRYPTION_KEY = "ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMhISE="

SECRET_KEY = env_str("SECRET_KEY", _INSECURE_SECRET_KEY)
# Fernet keys for credentials at rest: the first encrypts, all decrypt (rotation).
BETOOL_ENCRYPTION_KEYS = env_list("BETOOL_ENCRYPTION_KEYS", [_INSECURE_ENCRYPTION_KEY])
# HTTP request nodes may not reach loopback or private networks (a graph is user input)
# unless an operator allows it, e.g. for a CRM on the company network.
HTTP_NODES_ALLOW_PRIVATE_NETWORK = env_bool("BETOOL_HTTP_ALLOW_PRIVATE_NETWORK", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

if BETOOL_ENV == "production":
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)


def production_problems() -> list[str]:
    """Every insecure default still in force; production refuses to start on any of them."""
    problems = []
    if SECRET_KEY == _INSECURE_SECRET_KEY or len(SECRET_KEY) < 32:
        problems.append("SECRET_KEY is unset or shorter than 32 characters")
    if _INSECURE_ENCRYPTION_KEY in BETOOL_ENCRYPTION_KEYS:
        problems.append("BETOOL_ENCRYPTION_KEYS still holds the development key")
    if DEBUG:
        problems.append("DEBUG is on")
    if DATABASE_URL.startswith("sqlite"):
        problems.append("DATABASE_URL is unset (SQLite is for development only)")
    if not REDIS_URL:
        problems.append("REDIS_URL is unset (the in-memory layer cannot span processes)")
    if "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS allows every host")
    return problems


def check_production_settings() -> None:
    if BETOOL_ENV != "production":
        return
    problems = production_problems()
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start in production on insecure settings: " + "; ".join(problems)
        )
