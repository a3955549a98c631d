"""Writes of call recordings: storing the worker's file, logging every access, retention.

The worker writes a call's audio into the spool as it happens. When the call ends the
worker stores it here; when the worker died, closing the call stores what it left. Either
way the file goes through Django's storage API (``STORAGES["recordings"]``) and
``recording.ready`` is sent once the row is committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from betool.models import User, Workspace
from betool.services import audit_record
from betool.webhooks.events import EventType, RecordingData
from betool.webhooks.services import webhook_event_emit
from telephony.models import Call, CallTurn, Recording, RecordingAccess, RecordingAccessKind
from telephony.recordings.files import AudioFacts, UnreadableRecording, audio_facts
from telephony.recordings.selectors import (
    calls_past_retention,
    recording_of,
    recordings_storage,
    retention_cutoff,
    spooled_files,
)

logger = logging.getLogger(__name__)

OGG_OPUS = "ogg_opus"
OGG_CONTENT_TYPE = "audio/ogg"
RETENTION_ACTION = "recordings.retention_deleted"


def recording_download_path(call_id: int) -> str:
    return f"/api/calls/{call_id}/recording/download"


def recording_store(
    *, call: Call, path: Path, started_at: float, partial: bool = False
) -> Recording | None:
    """Stores the spooled file ``path`` as the call's recording, once; a whole file
    replaces a partial one that a closer stored while the worker was still finishing.
    None when the file holds no audio."""
    existing = recording_of(call=call)
    if existing is not None and (partial or not existing.partial):
        return existing
    try:
        facts = audio_facts(path)
    except UnreadableRecording as exc:
        logger.warning("the recording of call %s holds no audio (%s); not kept", call.pk, exc)
        path.unlink(missing_ok=True)
        return None
    storage = recordings_storage()
    with path.open("rb") as source:
        key = storage.save(f"{call.workspace_id}/call-{call.pk}.ogg", File(source))
    if existing is not None:
        return _recording_complete(recording=existing, key=key, facts=facts, path=path)
    try:
        with transaction.atomic():
            recording = Recording.objects.create(
                call=call,
                storage_key=key,
                format=OGG_OPUS,
                content_type=OGG_CONTENT_TYPE,
                channels=facts.channels,
                duration_s=round(facts.duration_s, 3),
                size_bytes=storage.size(key),
                started_at=datetime.fromtimestamp(started_at, tz=UTC),
                partial=partial,
                peaks=facts.peaks,
            )
            webhook_event_emit(
                workspace_id=call.workspace_id,
                event=EventType.RECORDING_READY,
                data=RecordingData(
                    call_id=call.pk,
                    duration_s=recording.duration_s,
                    channels=recording.channels,
                    content_type=recording.content_type,
                    download_path=recording_download_path(call.pk),
                ),
            )
    except IntegrityError:  # stored meanwhile by the other closer (the worker, the reaper)
        storage.delete(key)
        return recording_of(call=call)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return recording


def _recording_complete(
    *, recording: Recording, key: str, facts: AudioFacts, path: Path
) -> Recording:
    old_key = recording.storage_key
    recording.storage_key = key
    recording.duration_s = round(facts.duration_s, 3)
    recording.channels = facts.channels
    recording.size_bytes = recordings_storage().size(key)
    recording.peaks = facts.peaks
    recording.partial = False
    recording.save()
    transaction.on_commit(lambda: _delete_files([old_key]))
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return recording


def recording_store_spooled(*, call: Call) -> Recording | None:
    """Stores what a worker that died left in the spool for ``call`` (partial). Never
    raises: closing the call matters more than its recording."""
    recording = None
    for path, started_at in spooled_files(call_id=call.pk, room_name=call.room_name):
        try:
            recording = recording_store(call=call, path=path, started_at=started_at, partial=True)
        except Exception:
            logger.exception("the spooled recording %s of call %s was not stored", path, call.pk)
    return recording


def recording_access_record(
    *, recording: Recording, user: User, kind: RecordingAccessKind
) -> RecordingAccess:
    return RecordingAccess.objects.create(
        call_id=recording.call_id, user=user, username=user.get_username(), kind=kind
    )


@dataclass(frozen=True, slots=True)
class RetentionResult:
    workspaces: int
    calls: int
    recordings: int


def retention_apply(*, now: datetime | None = None) -> RetentionResult:
    """Deletes, in every workspace that keeps them N days, the recordings (file and row)
    and blanks the transcripts of calls older than that; each workspace that lost any gets
    an audit entry saying what and why."""
    now = now or timezone.now()
    totals = [0, 0, 0]
    for workspace in Workspace.objects.filter(recording_retention_days__gt=0):
        cutoff = retention_cutoff(workspace=workspace, now=now)
        assert cutoff is not None
        calls, recordings = _workspace_retention_apply(workspace=workspace, cutoff=cutoff)
        if calls:
            totals[0] += 1
            totals[1] += calls
            totals[2] += recordings
    return RetentionResult(workspaces=totals[0], calls=totals[1], recordings=totals[2])


def _workspace_retention_apply(*, workspace: Workspace, cutoff: datetime) -> tuple[int, int]:
    call_ids = list(
        calls_past_retention(workspace=workspace, cutoff=cutoff).values_list("pk", flat=True)
    )
    if not call_ids:
        return 0, 0
    recordings = list(Recording.objects.filter(call_id__in=call_ids))
    with transaction.atomic():
        for recording in recordings:
            recording.delete()
        CallTurn.objects.filter(call_id__in=call_ids).filter(
            ~Q(user_text="") | ~Q(agent_text="") | ~Q(trace={})
        ).update(user_text="", agent_text="", trace={})
        Call.objects.filter(pk__in=call_ids).update(transfer_summary="")
        days = workspace.recording_retention_days
        audit_record(
            workspace=workspace,
            action=RETENTION_ACTION,
            summary=(
                f"Deleted {len(recordings)} recording(s) and the transcripts of "
                f"{len(call_ids)} call(s) older than {days} day(s)."
            ),
            data={
                "cutoff": cutoff.isoformat(),
                "retention_days": days,
                "call_ids": call_ids,
                "recording_call_ids": [r.call_id for r in recordings],
            },
        )
    # Files go once their rows are gone for good: a rolled-back run deletes nothing.
    keys = [r.storage_key for r in recordings]
    transaction.on_commit(lambda: _delete_files(keys))
    return len(call_ids), len(recordings)


def _delete_files(keys: list[str]) -> None:
    storage = recordings_storage()
    for key in keys:
        try:
            storage.delete(key)
        except OSError:
            logger.exception("could not delete the recording file %s", key)
