"""Celery tasks of the core.

``ping`` proves that a real worker is consuming the queue: it answers from the worker's own
process (its pid, host name and database vendor), which an eager in-process run cannot fake.
"""

from __future__ import annotations

import os
import socket

from celery import shared_task
from django.db import connection


@shared_task(name="betool.ping")
def ping(token: str) -> dict[str, object]:
    """Echo ``token`` with where it ran. Touches the database so a broken one shows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {
        "token": token,
        "pid": os.getpid(),
        "hostname": socket.gethostname(),
        "database": connection.vendor,
    }


@shared_task(name="betool.balance_alerts_sweep")
def balance_alerts_sweep() -> int:
    """Every few minutes (Celery beat): open or resolve each workspace's low-balance alert.
    Returns how many alerts are open."""
    from betool.models import Workspace
    from betool.services import balance_alerts_check

    return sum(
        balance_alerts_check(workspace=workspace) is not None
        for workspace in Workspace.objects.all()
    )


@shared_task(name="betool.usage_rollup_advance")
def usage_rollup_advance() -> int:
    """Every minute (Celery beat): sums the ledger's new usage entries into the finance
    rollups. Returns the watermark (the last ledger id summed)."""
    from betool.usage_rollup import usage_rollup_advance as advance

    return advance()
