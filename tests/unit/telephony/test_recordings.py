"""Call recordings: storing the worker's file, who may play or download it (each access
logged), never another workspace's, retention on a fake clock, and the settings that turn
recording on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from betool.models import AuditEntry, User, Workspace
from betool.roles import Role
from betool.services import workspace_create
from betool.webhooks.models import WebhookDelivery
from betool.webhooks.services import endpoint_create
from pipelines.graph.recording_settings import DEFAULT_CONSENT_LINE
from telephony.calls.closing import call_close_and_bill
from telephony.models import (
    Call,
    CallEndReason,
    CallStatus,
    CallTurn,
    PhoneNumber,
    Recording,
    RecordingAccess,
)
from telephony.recordings.policy import recording_policy_for
from telephony.recordings.selectors import recordings_storage, spool_path
from telephony.recordings.services import recording_store, retention_apply
from telephony.services import call_end, call_set_status, call_start, call_turn_record
from tests.fakes.recordings import write_call_ogg

OWN, ADM, DES, FIN = Role.OWNER, Role.ADMIN, Role.DESIGNER, Role.FINANCE


@pytest.fixture(autouse=True)
def storage_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "stored"), "base_url": None},
        },
    }
    settings.BETOOL_RECORDING_SPOOL_DIR = tmp_path / "spool"


def write_ogg(path: Path, *, seconds: float) -> Path:
    """The caller speaking all along (left), the agent silent (right)."""
    return write_call_ogg(path, seconds=seconds, caller=[(0.0, seconds)], agent=[])


def ended_call(workspace: Workspace, *, days_ago: float = 0, room: str = "call-rec") -> Call:
    t0 = timezone.now() - timedelta(days=days_ago, minutes=5)
    call = call_start(workspace=workspace, room_name=room, from_number="+15559999", at=t0)
    call = call_set_status(call=call, status=CallStatus.CONNECTED, at=t0 + timedelta(seconds=1))
    call_turn_record(
        call=call, sequence=0, user_text="", agent_text="Welcome to Acme.",
        started_at=t0 + timedelta(seconds=1), trace={"nodes": [{"node_id": "start"}]},
    )  # fmt: skip
    call_turn_record(
        call=call, sequence=1, user_text="My order 4411 is late", agent_text="Let me look.",
        started_at=t0 + timedelta(seconds=4), trace={"nodes": [{"node_id": "agent"}]},
    )  # fmt: skip
    return call_end(call=call, reason=CallEndReason.CALLER_HANGUP, at=t0 + timedelta(seconds=9))


def recorded(call: Call, tmp_path: Path, *, seconds: float = 2.0) -> Recording:
    started = call.connected_at.timestamp()  # type: ignore[union-attr]
    spooled = write_ogg(
        spool_path(call_id=call.pk, room_name=call.room_name, started_at=started), seconds=seconds
    )
    recording = recording_store(call=call, path=spooled, started_at=started)
    assert recording is not None
    return recording


# --- storing -------------------------------------------------------------------------------


def test_a_stored_recording_has_its_facts_its_file_and_tells_the_webhooks(
    workspace: Workspace, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint, _secret = endpoint_create(
        workspace=workspace, url="https://crm.example.com/hooks", events=["recording.ready"]
    )
    call = ended_call(workspace)
    started = call.connected_at.timestamp()  # type: ignore[union-attr]
    spooled = write_ogg(
        spool_path(call_id=call.pk, room_name=call.room_name, started_at=started), seconds=2.5
    )
    with django_capture_on_commit_callbacks(execute=True):
        recording = recording_store(call=call, path=spooled, started_at=started)

    assert recording is not None
    assert recording.channels == 2
    assert recording.duration_s == pytest.approx(2.5, abs=0.03)
    assert recording.started_at == call.connected_at
    assert recording.size_bytes == recordings_storage().size(recording.storage_key) > 0
    assert len(recording.peaks) == 2
    assert max(recording.peaks[0]) > 0.3  # the caller's tone
    assert max(recording.peaks[1]) == 0.0  # the agent said nothing
    assert not spooled.exists(), "the spool keeps nothing once the file is stored"
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.event_type == "recording.ready"
    assert delivery.payload["data"] == {
        "call_id": call.pk,
        "duration_s": recording.duration_s,
        "channels": 2,
        "content_type": "audio/ogg",
        "download_path": f"/api/calls/{call.pk}/recording/download",
    }
    # Stored once: a second closer keeps the first.
    again = write_ogg(
        spool_path(call_id=call.pk, room_name=call.room_name, started_at=started), seconds=1.0
    )
    assert recording_store(call=call, path=again, started_at=started) == recording
    assert Recording.objects.filter(call=call).count() == 1


def test_a_file_with_no_audio_is_not_kept(workspace: Workspace, tmp_path: Path) -> None:
    call = ended_call(workspace)
    junk = tmp_path / "spool" / "junk.ogg"
    junk.parent.mkdir(parents=True)
    junk.write_bytes(b"OggS not really")
    assert recording_store(call=call, path=junk, started_at=0.0) is None
    assert not Recording.objects.exists()


def test_closing_a_call_whose_worker_died_stores_what_it_left_as_partial(
    workspace: Workspace, tmp_path: Path
) -> None:
    t0 = timezone.now() - timedelta(seconds=30)
    call = call_start(workspace=workspace, room_name="call-dead", from_number="+1555", at=t0)
    call = call_set_status(call=call, status=CallStatus.CONNECTED, at=t0)
    whole = write_ogg(tmp_path / "whole.ogg", seconds=6.0)
    data = whole.read_bytes()
    left = spool_path(call_id=call.pk, room_name=call.room_name, started_at=t0.timestamp())
    left.parent.mkdir(parents=True, exist_ok=True)
    left.write_bytes(data[: len(data) * 2 // 3])  # the worker died mid-write

    call_close_and_bill(call=call, reason=CallEndReason.WORKER_LOST)

    recording = Recording.objects.get(call=call)
    assert recording.partial
    assert 2.0 < recording.duration_s < 6.0
    assert abs((recording.started_at - t0).total_seconds()) < 0.002


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/calls/{id}/recording", {OWN, ADM, DES}),
        ("/api/calls/{id}/recording/audio", {OWN, ADM, DES}),
        ("/api/calls/{id}/recording/download", {OWN, ADM}),
        ("/api/calls/{id}/recording/accesses", {OWN, ADM}),
    ],
)
@pytest.mark.parametrize("role", list(Role))
def test_roles(
    workspace: Workspace,
    tmp_path: Path,
    client_as: Callable[[Role], Client],
    role: Role,
    path: str,
    allowed: set[Role],
) -> None:
    call = ended_call(workspace)
    recorded(call, tmp_path)
    response = client_as(role).get(path.format(id=call.pk))
    if role in allowed:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"


def test_another_workspaces_recording_is_not_found(
    workspace: Workspace, tmp_path: Path, client_as: Callable[[Role], Client]
) -> None:
    stranger = User.objects.create_user("stranger")
    theirs = workspace_create(name="Other Co", owner=stranger)
    their_call = ended_call(theirs, room="call-theirs")
    recorded(their_call, tmp_path)
    owner = client_as(OWN)
    for suffix in ("", "/audio", "/download", "/accesses"):
        response = owner.get(f"/api/calls/{their_call.pk}/recording{suffix}")
        assert response.status_code == 404, suffix
        assert b"OggS" not in response.content
    assert not RecordingAccess.objects.exists()


def test_a_call_without_recording_says_so(
    workspace: Workspace, client_as: Callable[[Role], Client]
) -> None:
    call = ended_call(workspace)
    response = client_as(ADM).get(f"/api/calls/{call.pk}/recording")
    assert response.status_code == 404
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("no_recording", "This call was not recorded.")


# --- playing, downloading, the access log ----------------------------------------------------


def test_the_player_reads_ranges_and_a_play_is_logged_once(
    workspace: Workspace, tmp_path: Path, client_as: Callable[[Role], Client]
) -> None:
    call = ended_call(workspace)
    recording = recorded(call, tmp_path)
    designer = client_as(DES)
    detail = designer.get(f"/api/calls/{call.pk}/recording").json()
    assert detail["download_path"] is None  # a designer listens, does not take copies
    assert detail["duration_s"] == pytest.approx(2.0, abs=0.03)

    first = designer.get(detail["audio_path"], HTTP_RANGE="bytes=0-")
    body = b"".join(first.streaming_content)
    assert first.status_code == 206
    assert first["Content-Range"] == f"bytes 0-{recording.size_bytes - 1}/{recording.size_bytes}"
    assert body[:4] == b"OggS"
    assert len(body) == recording.size_bytes
    seek = designer.get(detail["audio_path"], HTTP_RANGE="bytes=100-199")
    assert seek.status_code == 206
    assert b"".join(seek.streaming_content) == body[100:200]
    beyond = designer.get(detail["audio_path"], HTTP_RANGE=f"bytes={recording.size_bytes}-")
    assert beyond.status_code == 416

    accesses = list(RecordingAccess.objects.filter(call=call))
    assert [(a.username, a.kind) for a in accesses] == [("designer-user", "stream")]


def test_a_download_is_an_attachment_and_the_admin_sees_the_log(
    workspace: Workspace, tmp_path: Path, client_as: Callable[[Role], Client]
) -> None:
    call = ended_call(workspace)
    recorded(call, tmp_path)
    client_as(DES).get(f"/api/calls/{call.pk}/recording/audio")
    admin = client_as(ADM)
    download = admin.get(f"/api/calls/{call.pk}/recording/download")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="call-{call.pk}.ogg"'
    assert b"".join(download.streaming_content)[:4] == b"OggS"

    log = admin.get(f"/api/calls/{call.pk}/recording/accesses").json()
    assert [(e["username"], e["kind_label"]) for e in log] == [
        ("admin-user", "Downloaded"),
        ("designer-user", "Played"),
    ]


# --- retention -------------------------------------------------------------------------------


def test_retention_deletes_old_recordings_and_transcripts_with_an_audit_entry(
    workspace: Workspace, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    workspace.recording_retention_days = 30
    workspace.save()
    old = ended_call(workspace, days_ago=31, room="call-old")
    old_recording = recorded(old, tmp_path)
    recent = ended_call(workspace, days_ago=29, room="call-recent")
    recorded(recent, tmp_path)
    stored = recordings_storage()
    assert stored.exists(old_recording.storage_key)

    with django_capture_on_commit_callbacks(execute=True):
        result = retention_apply(now=timezone.now())

    assert (result.calls, result.recordings) == (1, 1)
    assert not Recording.objects.filter(call=old).exists()
    assert not stored.exists(old_recording.storage_key)
    turns = list(CallTurn.objects.filter(call=old).values_list("user_text", "agent_text", "trace"))
    assert turns == [("", "", {}), ("", "", {})]
    assert Recording.objects.filter(call=recent).exists()
    assert CallTurn.objects.filter(call=recent, user_text="My order 4411 is late").exists()
    entry = AuditEntry.objects.get(workspace=workspace)
    assert entry.actor is None
    assert entry.action == "recordings.retention_deleted"
    assert entry.summary == (
        "Deleted 1 recording(s) and the transcripts of 1 call(s) older than 30 day(s)."
    )
    assert entry.data["call_ids"] == [old.pk]

    # A day later the recent call crosses the line; what was deleted is not counted again.
    later = timezone.now() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_apply(now=later).calls == 1
    assert not Recording.objects.exists()
    assert AuditEntry.objects.filter(workspace=workspace).count() == 2
    assert retention_apply(now=later).calls == 0


def test_a_workspace_without_retention_keeps_everything(
    workspace: Workspace, tmp_path: Path
) -> None:
    assert workspace.recording_retention_days == 0
    call = ended_call(workspace, days_ago=3650)
    recorded(call, tmp_path)
    assert retention_apply(now=timezone.now()).calls == 0
    assert Recording.objects.filter(call=call).exists()
    assert not AuditEntry.objects.exists()


def test_the_retention_task_runs_the_policy(workspace: Workspace, tmp_path: Path) -> None:
    from telephony.tasks import recordings_retention

    workspace.recording_retention_days = 1
    workspace.save()
    recorded(ended_call(workspace, days_ago=2), tmp_path)
    assert recordings_retention.delay().get() == 1
    assert not Recording.objects.exists()


# --- settings that turn it on ----------------------------------------------------------------


def test_recording_is_off_unless_the_number_or_the_pipeline_turns_it_on(
    workspace: Workspace,
) -> None:
    number = PhoneNumber.objects.create(workspace=workspace, e164="+15550100")
    assert not recording_policy_for(number=number, graph={}).enabled
    assert not recording_policy_for(number=None, graph={"settings": {}}).enabled

    on_by_pipeline = {"settings": {"recording": {"enabled": True, "consent_line": "We record."}}}
    assert recording_policy_for(number=number, graph=on_by_pipeline).consent_line == "We record."
    assert recording_policy_for(number=None, graph=on_by_pipeline).enabled

    number.record_calls = True
    assert recording_policy_for(number=number, graph={}).consent_line == DEFAULT_CONSENT_LINE
    number.recording_consent_line = "Calls to Acme are recorded."
    policy = recording_policy_for(number=number, graph=on_by_pipeline)
    assert policy.enabled
    assert policy.consent_line == "Calls to Acme are recorded."
    broken = {"settings": {"recording": {"enabled": "sometimes"}}}
    assert not recording_policy_for(number=None, graph=broken).enabled


def test_the_number_and_workspace_apis_set_recording_and_retention(
    workspace: Workspace, client_as: Callable[[Role], Client]
) -> None:
    admin = client_as(ADM)
    created = admin.post(
        "/api/numbers",
        {"e164": "+15550123", "record_calls": True, "recording_consent_line": "We record."},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["record_calls"] is True
    number = PhoneNumber.objects.get(e164="+15550123")
    assert number.recording_consent_line == "We record."
    patched = admin.patch(
        f"/api/numbers/{number.pk}", {"record_calls": False}, content_type="application/json"
    )
    assert patched.json()["record_calls"] is False

    owner = client_as(OWN)
    assert owner.get("/api/workspace").json()["recording_retention_days"] == 0
    saved = owner.patch(
        "/api/workspace", {"recording_retention_days": 90}, content_type="application/json"
    )
    assert saved.json()["recording_retention_days"] == 90
    refused = owner.patch(
        "/api/workspace", {"recording_retention_days": -1}, content_type="application/json"
    )
    assert refused.status_code == 422
    workspace.refresh_from_db()
    assert workspace.recording_retention_days == 90
