"""Reads of call recordings: a call's file, who accessed it, what retention has to delete."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db.models import Q, QuerySet

from betool.models import Workspace
from telephony.models import Call, Recording, RecordingAccess

SPOOL_SUFFIX = ".ogg"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def recordings_storage() -> Storage:
    return storages["recordings"]


def recording_of(*, call: Call) -> Recording | None:
    return Recording.objects.filter(call=call).first()


def recording_accesses(*, call: Call, limit: int = 200) -> list[RecordingAccess]:
    return list(RecordingAccess.objects.filter(call=call)[:limit])


def _spool_stem(call_id: int, room_name: str) -> str:
    # The room too: a call id alone repeats across databases that share a spool (tests).
    return f"call-{call_id}-{_UNSAFE.sub('_', room_name)[:80]}"


def spool_path(*, call_id: int, room_name: str, started_at: float) -> Path:
    """Where the worker writes a call's audio while it lasts; the start (Unix ms) is in the
    name, so a file left by a dead worker still says where its timeline begins."""
    spool: Path = settings.BETOOL_RECORDING_SPOOL_DIR
    stem = _spool_stem(call_id, room_name)
    return spool / f"{stem}-{round(started_at * 1000)}{SPOOL_SUFFIX}"


def spooled_files(*, call_id: int, room_name: str) -> list[tuple[Path, float]]:
    """Files left in the spool for a call, with the Unix time each began."""
    spool: Path = settings.BETOOL_RECORDING_SPOOL_DIR
    found = []
    for path in sorted(spool.glob(f"{_spool_stem(call_id, room_name)}-*{SPOOL_SUFFIX}")):
        stamp = path.stem.rsplit("-", 1)[-1]
        if stamp.isdigit():
            found.append((path, int(stamp) / 1000))
    return found


def retention_cutoff(*, workspace: Workspace, now: datetime) -> datetime | None:
    days = workspace.recording_retention_days
    return now - timedelta(days=days) if days > 0 else None


def calls_past_retention(*, workspace: Workspace, cutoff: datetime) -> QuerySet[Call]:
    """The workspace's ended calls from before ``cutoff`` that still hold a recording or
    transcript text."""
    return (
        Call.objects.filter(workspace=workspace, created_at__lt=cutoff, ended_at__isnull=False)
        .filter(
            Q(recording__isnull=False)
            | Q(turns__user_text__gt="")
            | Q(turns__agent_text__gt="")
            | Q(transfer_summary__gt="")
        )
        .distinct()
        .order_by("pk")
    )
