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
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "low-balance-alerts": {"task": "betool.balance_alerts_sweep", "schedule": 300.0},
    "reap-stale-calls": {"task": "telephony.reap_stale_calls", "schedule": 60.0},
    "reconcile-livekit-sip": {"task": "telephony.reconcile_livekit", "schedule": 300.0},
}
