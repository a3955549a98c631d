"""The admin console's rules for people and workspaces: owners are protected, invitations
make accounts, tokens move between their user's workspaces only, settings are the owner's."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from betool.models import LedgerKind, MemberInvite, Membership, User, Workspace
from betool.roles import Role
from betool.selectors import workspace_call_refusal
from betool.services import api_token_create, ledger_credit, workspace_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ClientAs = Callable[[Role], Client]
MemberOf = Callable[[Role], Membership]


def send(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def second_owner(workspace: Workspace) -> Membership:
    user = User.objects.create_user("co-owner", password=PASSWORD)
    return Membership.objects.create(user=user, workspace=workspace, role=Role.OWNER)


# --- owners -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "body"), [("patch", {"role": "designer"}), ("delete", None)])
def test_an_admin_can_neither_demote_nor_remove_an_owner(
    client_as: ClientAs, workspace: Workspace, method: str, body: dict[str, Any] | None
) -> None:
    target = second_owner(workspace)  # not the last owner: only the admin rule refuses
    response = send(client_as(Role.ADMIN), method, f"/api/members/{target.pk}", body)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "owner_protected"
    assert Membership.objects.get(pk=target.pk).role == Role.OWNER


def test_an_owner_demotes_another_owner_but_not_the_last_one(
    client_as: ClientAs, workspace: Workspace, member: MemberOf
) -> None:
    first = member(Role.OWNER)
    owner = client_as(Role.OWNER)
    target = second_owner(workspace)
    assert send(owner, "patch", f"/api/members/{target.pk}", {"role": "admin"}).status_code == 200
    last = send(owner, "delete", f"/api/members/{first.pk}")
    assert last.status_code == 409
    assert last.json()["error"]["code"] == "last_owner"


def test_an_admin_changes_the_role_of_a_designer_and_removes_them(
    client_as: ClientAs, member: MemberOf
) -> None:
    designer = member(Role.DESIGNER)
    admin = client_as(Role.ADMIN)
    changed = send(admin, "patch", f"/api/members/{designer.pk}", {"role": "finance"})
    assert changed.json()["role"] == "finance"
    assert send(admin, "patch", f"/api/members/{designer.pk}", {"role": "owner"}).status_code == 403
    assert send(admin, "delete", f"/api/members/{designer.pk}").status_code == 204
    assert not Membership.objects.filter(pk=designer.pk).exists()


# --- invitations ------------------------------------------------------------------------------


def invite(client: Client, role: str = "designer", email: str = "") -> Any:
    return send(client, "post", "/api/invites", {"role": role, "email": email})


def test_an_invitation_link_lets_the_invitee_choose_a_password_once(
    client_as: ClientAs, workspace: Workspace
) -> None:
    created = invite(client_as(Role.ADMIN), "finance")
    assert created.status_code == 201, created.content
    link = created.json()["link"]
    assert created.json()["emailed"] is False
    path = re.sub(r"^https?://[^/]+", "", link)
    assert MemberInvite.objects.get().digest not in link  # only the digest is stored

    invitee = Client()
    page = invitee.get(path)
    assert page.status_code == 200
    assert b"Acme Support" in page.content
    joined = invitee.post(path, {"username": "fiona", "password": "a-long-password-1"})
    assert joined.status_code == 302
    assert Membership.objects.get(user__username="fiona", workspace=workspace).role == "finance"
    assert invitee.get("/api/me").json()["role"] == "finance"  # signed in
    again = Client().post(path, {"username": "fiona2", "password": "a-long-password-1"})
    assert again.status_code == 404
    assert not User.objects.filter(username="fiona2").exists()
    assert client_as(Role.ADMIN).get("/api/invites").json() == []


def test_an_invitation_form_shows_each_mistake_on_its_field(client_as: ClientAs) -> None:
    path = re.sub(r"^https?://[^/]+", "", invite(client_as(Role.ADMIN)).json()["link"])
    short = Client().post(path, {"username": "dan", "password": "short"})
    assert short.status_code == 422
    assert b'id="password-error"' in short.content
    taken = Client().post(path, {"username": "owner", "password": "a-long-password-1"})
    assert b'id="username-error"' in taken.content
    assert b"already exists" in taken.content
    assert MemberInvite.objects.get().accepted_at is None  # still usable


def test_an_invitation_is_mailed_when_the_site_can_send_email(
    client_as: ClientAs, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        with_email = invite(client_as(Role.ADMIN), email="gil@example.com")
    assert with_email.json()["emailed"] is True
    assert len(mail.outbox) == 1
    assert with_email.json()["link"] in mail.outbox[0].body
    assert mail.outbox[0].to == ["gil@example.com"]


def test_only_an_owner_invites_an_owner_and_a_revoked_link_is_dead(
    client_as: ClientAs,
) -> None:
    admin = client_as(Role.ADMIN)
    assert invite(admin, "owner").status_code == 403
    created = invite(admin).json()
    assert send(admin, "delete", f"/api/invites/{created['id']}").status_code == 204
    path = re.sub(r"^https?://[^/]+", "", created["link"])
    assert Client().get(path).status_code == 404
    assert invite(client_as(Role.DESIGNER)).status_code == 403


# --- tokens and workspaces ----------------------------------------------------------------------


def test_a_token_acts_in_another_workspace_of_its_user_with_the_role_there(
    member: MemberOf, workspace: Workspace
) -> None:
    admin = member(Role.ADMIN)
    elsewhere = workspace_create(name="Elsewhere", owner=User.objects.create_user("x"))
    Membership.objects.create(user=admin.user, workspace=elsewhere, role=Role.FINANCE)
    stranger_space = workspace_create(name="Stranger", owner=User.objects.create_user("y"))
    _, raw = api_token_create(membership=admin, name="script")
    script = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert script.get("/api/me").json()["workspace"]["slug"] == workspace.slug
    there = script.get("/api/me", HTTP_X_BETOOL_WORKSPACE=elsewhere.slug).json()
    assert (there["workspace"]["slug"], there["role"]) == (elsewhere.slug, "finance")
    # As finance there, it may not do what it may as admin here.
    assert script.get("/api/members", HTTP_X_BETOOL_WORKSPACE=elsewhere.slug).status_code == 403
    refused = script.get("/api/me", HTTP_X_BETOOL_WORKSPACE=stranger_space.slug)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "no_workspace"


def test_a_member_creates_a_workspace_owns_it_and_switches_back(client_as: ClientAs) -> None:
    designer = client_as(Role.DESIGNER)
    created = send(designer, "post", "/api/workspaces", {"name": "Side project"})
    assert created.status_code == 201
    me = designer.get("/api/me").json()
    assert (me["workspace"]["name"], me["role"]) == ("Side project", "owner")
    assert {w["name"] for w in me["workspaces"]} == {"Acme Support", "Side project"}
    back = send(designer, "post", "/api/me/workspace", {"slug": "acme-support"})
    assert back.status_code == 200
    assert designer.get("/api/me").json()["role"] == "designer"


def test_workspace_settings_are_read_by_all_and_changed_by_the_owner(
    client_as: ClientAs, workspace: Workspace
) -> None:
    change = {
        "name": "Acme Care",
        "time_zone": "Europe/Paris",
        "stop_calls_at_zero_balance": False,
        "end_calls_at_zero_balance": True,
        "low_balance_threshold": "250.00",
    }
    assert client_as(Role.FINANCE).get("/api/workspace").json()["time_zone"] == "UTC"
    assert send(client_as(Role.ADMIN), "patch", "/api/workspace", change).status_code == 403
    answer = send(client_as(Role.OWNER), "patch", "/api/workspace", change).json()
    assert answer["name"] == "Acme Care"
    workspace.refresh_from_db()
    assert workspace.time_zone == "Europe/Paris"
    assert workspace.low_balance_threshold == Decimal("250.00")
    assert (workspace.stop_calls_at_zero_balance, workspace.end_calls_at_zero_balance) == (
        False,
        True,
    )
    bad = send(client_as(Role.OWNER), "patch", "/api/workspace", {"time_zone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "time_zone"


def test_a_workspace_that_lets_calls_run_into_debt_is_not_refused_at_zero(
    workspace: Workspace,
) -> None:
    assert workspace_call_refusal(workspace=workspace) is not None  # no credits yet
    workspace.stop_calls_at_zero_balance = False
    assert workspace_call_refusal(workspace=workspace) is None
    workspace.stop_calls_at_zero_balance = True
    ledger_credit(
        workspace=workspace, credits=Decimal(5), kind=LedgerKind.TOP_UP, reason="t", user=None
    )
    assert workspace_call_refusal(workspace=workspace) is None
