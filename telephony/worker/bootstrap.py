"""Job processes of the worker start bare (forkserver): set Django up once per process."""

from __future__ import annotations

import os

_ready = False


def ensure_django() -> None:
    global _ready
    if _ready:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betool.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    _ready = True
