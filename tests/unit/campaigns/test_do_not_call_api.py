"""The do-not-call list through the API: pasted numbers added or named back as not numbers,
search, removal, and who may edit it (``calls.place``: owners and admins)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from betool.models import User
from betool.roles import Role
from betool.services import workspace_create
from campaigns.models import DoNotCallEntry

pytestmark = pytest.mark.django_db


def _add(client: Client, numbers: list[str], note: str = "", **extra: Any) -> Any:
    body = {"numbers": numbers, "note": note, **extra}
    return client.post("/api/do-not-call", json.dumps(body), content_type="application/json")


def _listed(client: Client, search: str = "") -> list[str]:
    answer = client.get("/api/do-not-call", {"search": search} if search else {})
    assert answer.status_code == 200, answer.content
    return [entry["e164"] for entry in answer.json()]


def test_pasted_numbers_are_added_once_and_the_bad_ones_named(
    client_as: Callable[[Role], Client],
) -> None:
    owner = client_as(Role.OWNER)
    assert _add(owner, ["+12125550101"], note="asked by phone").json()["added"] == 1

    answer = _add(
        owner,
        ["(212) 555-0102", "+1 212 555 0101", "call me maybe", "+12125550103", "+12125550103"],
        note="complaint",
        default_region="US",
    )

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["added"], body["already_listed"]) == (2, 2)
    assert [(row["row"], row["number"]) for row in body["rejected"]] == [(3, "call me maybe")]
    assert "'call me maybe'" in body["rejected"][0]["message"]
    assert _listed(owner) == ["+12125550101", "+12125550102", "+12125550103"]
    # A number already on the list keeps the note it was added with.
    notes = dict(DoNotCallEntry.objects.values_list("e164", "note"))
    assert notes == {
        "+12125550101": "asked by phone",
        "+12125550102": "complaint",
        "+12125550103": "complaint",
    }


def test_the_list_is_searched_by_digits_however_typed_or_by_note(
    client_as: Callable[[Role], Client],
) -> None:
    owner = client_as(Role.OWNER)
    _add(owner, ["+12125550101", "+12125550102"], note="complaint")
    _add(owner, ["+442079460000"], note="Asked in writing")

    assert _listed(owner, "555 0102") == ["+12125550102"]
    assert _listed(owner, "+44 20") == ["+442079460000"]
    assert _listed(owner, "writing") == ["+442079460000"]
    assert _listed(owner, "COMPLAINT") == ["+12125550101", "+12125550102"]
    assert _listed(owner, "nobody") == []


def test_a_number_is_removed_once_and_only_from_its_workspace(
    client_as: Callable[[Role], Client],
) -> None:
    owner = client_as(Role.OWNER)
    _add(owner, ["+12125550101", "+12125550102"])
    stranger = User.objects.create_user("stranger", "stranger@example.com", "pw")
    workspace_create(name="Other", owner=stranger)
    outsider = Client()
    outsider.force_login(stranger)

    assert outsider.delete("/api/do-not-call/%2B12125550101").status_code == 404
    assert owner.delete("/api/do-not-call/%2B12125550101").status_code == 204
    missing = owner.delete("/api/do-not-call/%2B12125550101")
    assert missing.status_code == 404
    assert "+12125550101" in missing.json()["error"]["message"]
    assert _listed(owner) == ["+12125550102"]


@pytest.mark.parametrize("role", [Role.DESIGNER, Role.FINANCE])
def test_members_who_cannot_place_calls_read_the_list_but_not_edit_it(
    client_as: Callable[[Role], Client], role: Role
) -> None:
    admin = client_as(Role.ADMIN)
    assert _add(admin, ["+12125550101"]).status_code == 201
    reader = client_as(role)

    assert _listed(reader) == ["+12125550101"]
    assert _add(reader, ["+12125550102"]).status_code == 403
    assert reader.delete("/api/do-not-call/%2B12125550101").status_code == 403
    assert admin.delete("/api/do-not-call/%2B12125550101").status_code == 204
    assert not DoNotCallEntry.objects.exists()
