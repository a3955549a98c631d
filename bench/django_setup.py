"""Django for a benchmark: settings from the environment; PostgreSQL required."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup_postgres() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betool.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(
            "This benchmark measures PostgreSQL: run `scripts/services up` and "
            '`eval "$(scripts/services env)"` first.'
        )
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
