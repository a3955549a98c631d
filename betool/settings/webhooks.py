"""Outgoing webhooks: retries, backoff, when an endpoint is turned off."""

from __future__ import annotations

from betool.settings.env import env_int

# Attempts per delivery; the n-th retry waits BASE * 2**(n-1) seconds (30 s, 1 min, 2 min, …).
BETOOL_WEBHOOK_MAX_ATTEMPTS = env_int("BETOOL_WEBHOOK_MAX_ATTEMPTS", 8)
BETOOL_WEBHOOK_RETRY_BASE_S = env_int("BETOOL_WEBHOOK_RETRY_BASE_S", 30)
# Deliveries in a row that failed every attempt before the endpoint is disabled.
BETOOL_WEBHOOK_DISABLE_AFTER = env_int("BETOOL_WEBHOOK_DISABLE_AFTER", 5)
BETOOL_WEBHOOK_TIMEOUT_S = env_int("BETOOL_WEBHOOK_TIMEOUT_S", 10)
