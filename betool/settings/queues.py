"""Channels' layer and Celery: Redis when ``REDIS_URL`` is set, in-process otherwise."""

from __future__ import annotations

from betool.settings.env import env_str

REDIS_URL = env_str("REDIS_URL")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("CHANNELS_PREFIX", "betool")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker there is no worker: tasks run inline, right where they are scheduled.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Celery scales by queue: each queue has workers of its own (docker/compose.yaml), so a
# backlog of metering never delays a call's provisioning. Tasks go by name (the first
# pattern that matches); a task that no pattern names, a new one, goes to the default queue.
CELERY_TASK_DEFAULT_QUEUE = "default"
TASK_QUEUE_PATTERNS: dict[str, tuple[str, ...]] = {
    "metering": ("betool.usage_*", "betool.balance_*", "*.metering_*"),
    "calls": ("telephony.*",),
}
CELERY_QUEUE_NAMES = (CELERY_TASK_DEFAULT_QUEUE, *TASK_QUEUE_PATTERNS)
CELERY_TASK_ROUTES = {
    pattern: {"queue": queue}
    for queue, patterns in TASK_QUEUE_PATTERNS.items()
    for pattern in patterns
}
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "low-balance-alerts": {"task": "betool.balance_alerts_sweep", "schedule": 300.0},
    # Often, so the raw tail that finance reads beside the rollups stays short.
    "finance-usage-rollup": {"task": "betool.usage_rollup_advance", "schedule": 10.0},
    "reap-stale-calls": {"task": "telephony.reap_stale_calls", "schedule": 60.0},
    "webhook-retries-due": {"task": "webhooks.deliver_due", "schedule": 60.0},
    "reconcile-livekit-sip": {"task": "telephony.reconcile_livekit", "schedule": 300.0},
    # Each running campaign's tick: due contacts dialed inside their windows.
    "campaigns-dial-due": {"task": "campaigns.dial_due", "schedule": 5.0},
    "recordings-retention": {"task": "telephony.recordings_retention", "schedule": 3600.0},
}
