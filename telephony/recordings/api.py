"""A call's recording: what it is (length, channels, waveform), the audio itself (played
in the page or downloaded, each access logged), and who accessed it.

Who may: members who may listen (owners, admins, designers) play it; owners and admins
download it and read the access log. Finance reads calls and costs, never their audio."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Router, Schema

from betool.access import Actor, require
from betool.errors import ApiError
from betool.roles import Permission
from telephony.calls.history import call_in_workspace
from telephony.errors import TelephonyErrorCode
from telephony.models import Recording, RecordingAccessKind
from telephony.recordings.selectors import recording_accesses, recording_of
from telephony.recordings.services import recording_access_record
from telephony.recordings.stream import recording_response

router = Router(tags=["calls"])


class RecordingOut(Schema):
    call_id: int
    format: str
    content_type: str
    channels: int
    duration_s: float
    size_bytes: int
    started_at: datetime
    partial: bool
    peaks: list[list[float]]
    created_at: datetime
    audio_path: str
    download_path: str | None


class RecordingAccessOut(Schema):
    username: str
    kind: str
    kind_label: str
    occurred_at: datetime


def _recording(actor: Actor, call_id: int) -> Recording:
    call = call_in_workspace(workspace=actor.workspace, call_id=call_id)
    recording = recording_of(call=call)
    if recording is None:
        raise ApiError(TelephonyErrorCode.NO_RECORDING, "This call was not recorded.", status=404)
    return recording


@router.get("/calls/{call_id}/recording", response=RecordingOut)
def recording_detail(request: HttpRequest, call_id: int) -> dict[str, Any]:
    actor = require(request, Permission.RECORDINGS_LISTEN)
    recording = _recording(actor, call_id)
    return {
        "call_id": recording.call_id,
        "format": recording.format,
        "content_type": recording.content_type,
        "channels": recording.channels,
        "duration_s": recording.duration_s,
        "size_bytes": recording.size_bytes,
        "started_at": recording.started_at,
        "partial": recording.partial,
        "peaks": recording.peaks,
        "created_at": recording.created_at,
        "audio_path": f"/api/calls/{call_id}/recording/audio",
        "download_path": f"/api/calls/{call_id}/recording/download"
        if actor.can(Permission.RECORDINGS_DOWNLOAD)
        else None,
    }


@router.get("/calls/{call_id}/recording/audio", response={200: None, 206: None})
def recording_audio(request: HttpRequest, call_id: int) -> HttpResponse | StreamingHttpResponse:
    """The audio, for the page's player (byte ranges, so it can seek). A play is logged
    once, when the player starts from the beginning, not for every range it reads."""
    actor = require(request, Permission.RECORDINGS_LISTEN)
    recording = _recording(actor, call_id)
    range_header = request.headers.get("Range", "")
    response = recording_response(recording=recording, range_header=range_header)
    from_the_start = not range_header or range_header.replace(" ", "").startswith("bytes=0-")
    if response.status_code != 416 and from_the_start:
        recording_access_record(
            recording=recording, user=actor.user, kind=RecordingAccessKind.STREAM
        )
    return response


@router.get("/calls/{call_id}/recording/download", response={200: None})
def recording_download(request: HttpRequest, call_id: int) -> HttpResponse | StreamingHttpResponse:
    actor = require(request, Permission.RECORDINGS_DOWNLOAD)
    recording = _recording(actor, call_id)
    recording_access_record(recording=recording, user=actor.user, kind=RecordingAccessKind.DOWNLOAD)
    return recording_response(recording=recording, range_header="", filename=f"call-{call_id}.ogg")


@router.get("/calls/{call_id}/recording/accesses", response=list[RecordingAccessOut])
def recording_access_log(request: HttpRequest, call_id: int) -> list[dict[str, Any]]:
    """Who played or downloaded the recording, newest first."""
    actor = require(request, Permission.RECORDINGS_DOWNLOAD)
    call = call_in_workspace(workspace=actor.workspace, call_id=call_id)
    return [
        {
            "username": access.username,
            "kind": access.kind,
            "kind_label": access.get_kind_display(),
            "occurred_at": access.occurred_at,
        }
        for access in recording_accesses(call=call)
    ]
