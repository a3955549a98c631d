"""Trunk and number validation: every mistake an admin can make gets a message that says
what to do."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from betool.models import User, Workspace
from betool.services import workspace_create
from pipelines.models import Pipeline
from telephony.models import PhoneNumber, Trunk, TrunkDirection


def errors_of(record: Trunk | PhoneNumber) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    return caught.value.message_dict


def test_a_complete_trunk_is_valid(workspace: Workspace) -> None:
    Trunk(
        workspace=workspace,
        name="Carrier",
        address="sip.example.com:5061",
        transport="tls",
        allowed_addresses=["203.0.113.5", "198.51.100.0/24", "2001:db8::/32"],
        codecs=["PCMA", "G722"],
        inbound_username="in",
        inbound_password="secret",
    ).full_clean()


def test_an_outbound_trunk_needs_the_carriers_address(workspace: Workspace) -> None:
    errors = errors_of(Trunk(workspace=workspace, name="Carrier", direction=TrunkDirection.BOTH))
    assert errors["address"] == [
        "An outbound trunk needs the carrier's SIP address (host or host:port)."
    ]
    Trunk(workspace=workspace, name="In only", direction=TrunkDirection.INBOUND).full_clean()


def test_bad_addresses_codecs_and_half_credentials_are_named(workspace: Workspace) -> None:
    errors = errors_of(
        Trunk(
            workspace=workspace,
            name="Carrier",
            address="sip.example.com",
            transport="sctp",
            allowed_addresses=["203.0.113.5", "not-an-ip"],
            codecs=["PCMU", "AMR"],
            inbound_username="only-a-user",
        )
    )
    assert "'not-an-ip' is not an IP address or a network" in errors["allowed_addresses"][0]
    assert errors["codecs"] == [
        "Unknown codec(s) AMR; use PCMU, PCMA, G722, opus, telephone-event."
    ]
    assert errors["inbound_username"] == [
        "Inbound authentication needs both a username and a password."
    ]
    assert "transport" in errors


def test_a_codec_list_without_a_voice_codec_is_refused(workspace: Workspace) -> None:
    trunk = Trunk(
        workspace=workspace, name="Carrier", address="sip.example.com",
        codecs=["opus", "telephone-event"],
    )  # fmt: skip
    assert errors_of(trunk)["codecs"] == [
        "Only the listed codecs are offered: include a voice codec the phone line carries "
        "(PCMU, PCMA, G722), or leave the list empty for LiveKit's defaults."
    ]


@pytest.mark.parametrize(
    "e164", ["15550100", "+0155501000", "+1555", "+1 555 0100", "+1" + "5" * 15]
)
def test_a_number_must_be_e164(workspace: Workspace, e164: str) -> None:
    errors = errors_of(PhoneNumber(workspace=workspace, e164=e164))
    assert errors["e164"] == [
        "Enter the number in E.164 form: a + then the country code and the number, "
        "digits only, 8 to 15 digits in all (e.g. +15550100)."
    ]


def test_a_number_cannot_use_another_workspaces_trunk_or_pipeline(workspace: Workspace) -> None:
    other = workspace_create(name="Other", owner=User.objects.create_user("o2", "", "x"))
    trunk = Trunk.objects.create(workspace=other, name="Theirs", direction="inbound")
    pipeline = Pipeline.objects.create(workspace=other, name="Theirs", draft={})
    errors = errors_of(
        PhoneNumber(workspace=workspace, e164="+15550100", trunk=trunk, pipeline=pipeline)
    )
    assert errors["trunk"] == ["This trunk belongs to another workspace."]
    assert errors["pipeline"] == ["This pipeline belongs to another workspace."]


def test_a_number_is_configured_once(workspace: Workspace) -> None:
    PhoneNumber.objects.create(workspace=workspace, e164="+15550100")
    errors = errors_of(PhoneNumber(workspace=workspace, e164="+15550100"))
    assert errors["e164"] == ["This number is already configured."]
