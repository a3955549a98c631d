"""The Celery app. Broker and result backend come from settings (Redis, or eager in-process)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betool.settings")

app = Celery("betool")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
