"""Telephony admin screens: trunks and numbers saved through the services (write-only
passwords, sync state shown with its error), actions, usage columns, read-only calls."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from betool.models import User, Workspace
from pipelines.models import Pipeline, PipelineVersion
from telephony.models import Call, CallStatus, PhoneNumber, SyncStatus, Trunk


@pytest.fixture
def staff(workspace: Workspace, settings: Any) -> Client:
    settings.LIVEKIT_ENABLED = False
    User.objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.login(username="root", password="pw")
    return client


TRUNK_FORM = {
    "name": "Carrier",
    "direction": "both",
    "address": "sip.example.com",
    "transport": "udp",
    "username": "acme",
    "new_password": "very-secret",
    "inbound_username": "carrier",
    "new_inbound_password": "also-secret",
    "allowed_addresses": "203.0.113.5, 198.51.100.0/24",
    "codecs": "PCMA, PCMU",
    "max_concurrent_calls": "5",
}


def test_a_trunk_is_added_with_write_only_passwords(
    staff: Client, workspace: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        answer = staff.post(
            "/admin/telephony/trunk/add/", {**TRUNK_FORM, "workspace": workspace.pk}
        )
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    trunk = Trunk.objects.get()
    assert (trunk.password, trunk.inbound_password) == ("very-secret", "also-secret")
    assert trunk.allowed_addresses == ["203.0.113.5", "198.51.100.0/24"]
    assert trunk.codecs == ["PCMA", "PCMU"]
    assert trunk.sync_status == SyncStatus.ERROR

    page = staff.get(f"/admin/telephony/trunk/{trunk.pk}/change/").content.decode()
    assert "very-secret" not in page
    assert "also-secret" not in page
    assert "203.0.113.5, 198.51.100.0/24" in page
    listing = staff.get("/admin/telephony/trunk/").content.decode()
    assert "LiveKit is not configured" in listing

    # Blank keeps the stored password; the checkbox removes it.
    form = {**TRUNK_FORM, "workspace": workspace.pk, "new_password": "", "new_inbound_password": ""}
    answer = staff.post(f"/admin/telephony/trunk/{trunk.pk}/change/", form)
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    trunk.refresh_from_db()
    assert trunk.password == "very-secret"
    answer = staff.post(
        f"/admin/telephony/trunk/{trunk.pk}/change/", {**form, "remove_password": "on"}
    )
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    trunk.refresh_from_db()
    assert trunk.password == ""


def test_the_form_names_what_is_wrong(staff: Client, workspace: Workspace) -> None:
    answer = staff.post(
        "/admin/telephony/trunk/add/",
        {**TRUNK_FORM, "workspace": workspace.pk, "allowed_addresses": "nowhere",
         "new_inbound_password": ""},
    )  # fmt: skip
    errors = answer.context["adminform"].form.errors
    assert "'nowhere' is not an IP address or a network" in errors["allowed_addresses"][0]
    assert errors["inbound_username"] == [
        "Inbound authentication needs both a username and a password."
    ]
    answer = staff.post(
        "/admin/telephony/phonenumber/add/",
        {"workspace": workspace.pk, "e164": "0100", "language": "en",
         "max_call_duration_s": 60, "silence_timeout_s": 5},
    )  # fmt: skip
    assert "E.164" in answer.context["adminform"].form.errors["e164"][0]


def test_numbers_show_usage_and_actions_report_clearly(
    staff: Client, workspace: Workspace, settings: Any
) -> None:
    pipeline = Pipeline.objects.create(workspace=workspace, name="Sales", draft={})
    PipelineVersion.objects.create(pipeline=pipeline, number=1, graph={})
    trunk = Trunk.objects.create(workspace=workspace, name="Carrier", address="sip.example.com")
    number = PhoneNumber.objects.create(
        workspace=workspace, e164="+15550100100", trunk=trunk, pipeline=pipeline
    )
    Call.objects.create(workspace=workspace, number=number, room_name="r", status=CallStatus.ACTIVE)
    listing = staff.get("/admin/telephony/phonenumber/")
    assert listing.status_code == 200
    assert staff.get("/admin/telephony/trunk/").status_code == 200

    def act(action: str) -> list[str]:
        answer = staff.post(
            "/admin/telephony/phonenumber/",
            {"action": action, "_selected_action": [number.pk]},
            follow=True,
        )
        return [str(m) for m in answer.context["messages"]]

    assert act("place_test_call") == [
        "+15550100100: Outbound calls need a LiveKit server with SIP; none is configured "
        "(LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET)."
    ]
    settings.LIVEKIT_ENABLED = True
    (placed,) = act("place_test_call")
    call = Call.objects.get(is_test=True)
    assert placed.startswith(f"+15550100100: test call {call.pk} dispatched")
    assert (call.from_number, call.to_number) == ("+15550100100", "+15550100100")

    settings.LIVEKIT_ENABLED = False
    assert act("sync_now")[0].startswith("1 sent to LiveKit")


def test_calls_are_read_only(staff: Client, workspace: Workspace) -> None:
    call = Call.objects.create(workspace=workspace, room_name="call-x", status=CallStatus.ENDED)
    assert staff.get("/admin/telephony/call/").status_code == 200
    page = staff.get(f"/admin/telephony/call/{call.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert staff.get("/admin/telephony/call/add/").status_code == 403


def test_staff_see_and_pick_only_their_workspaces_trunks(workspace: Workspace) -> None:
    from django.contrib.auth.models import Permission

    from betool.models import Membership
    from betool.services import workspace_create

    other = workspace_create(name="Other", owner=User.objects.create_user("o2", "", "x"))
    Trunk.objects.create(workspace=workspace, name="Ours", address="sip.example.com")
    Trunk.objects.create(workspace=other, name="Theirs", address="sip.example.com")
    staff_user = User.objects.create_user("ops", "", "pw", is_staff=True)
    staff_user.user_permissions.set(Permission.objects.filter(content_type__app_label="telephony"))
    Membership.objects.create(user=staff_user, workspace=workspace, role="admin")
    client = Client()
    client.login(username="ops", password="pw")
    listing = client.get("/admin/telephony/trunk/").content.decode()
    assert "Ours" in listing
    assert "Theirs" not in listing
    form = client.get("/admin/telephony/phonenumber/add/").content.decode()
    assert "Ours" in form
    assert "Theirs" not in form
