"""Provisioning services: records are written, marked pending, and synced to LiveKit after the
commit (Celery runs eagerly here); LiveKit is an in-memory fake in this tier."""

from __future__ import annotations

import json
from typing import Any

import pytest

from betool.models import Workspace
from telephony.models import PhoneNumber, SyncStatus, Trunk, TrunkDirection
from telephony.provisioning import livekit as provisioning
from telephony.provisioning.services import (
    livekit_sync_request,
    number_delete,
    number_save,
    trunk_delete,
    trunk_save,
)
from telephony.tasks import reconcile_livekit
from tests.unit.telephony.fake_livekit_sip import FakeLiveKit


@pytest.fixture
def livekit(settings: Any, monkeypatch: pytest.MonkeyPatch) -> FakeLiveKit:
    fake = FakeLiveKit()
    settings.LIVEKIT_ENABLED = True
    settings.LIVEKIT_AGENT_NAME = "betool"
    settings.LIVEKIT_SIP_INSTALL = "unit"
    monkeypatch.setattr(provisioning, "_run", fake.run)
    return fake


def save_trunk(workspace: Workspace, **fields: Any) -> Trunk:
    secrets = {k: fields.pop(k) for k in ("password", "inbound_password") if k in fields}
    trunk = Trunk(workspace=workspace, name="Carrier", address="sip.example.com", **fields)
    trunk_save(trunk=trunk, **secrets)
    return trunk


def save_number(workspace: Workspace, e164: str, trunk: Trunk | None) -> PhoneNumber:
    number = PhoneNumber(workspace=workspace, e164=e164, trunk=trunk)
    number_save(number=number)
    return number


def test_saving_without_livekit_keeps_the_record_and_says_why(
    workspace: Workspace, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.LIVEKIT_ENABLED = False
    with django_capture_on_commit_callbacks(execute=True):
        trunk_save(trunk=Trunk(workspace=workspace, name="Carrier", address="sip.example.com"))
        number_save(
            number=PhoneNumber(workspace=workspace, e164="+15550100", trunk=Trunk.objects.get())
        )
    trunk = Trunk.objects.get()
    assert trunk.sync_status == SyncStatus.ERROR
    assert trunk.sync_error.startswith("LiveKit is not configured (LIVEKIT_URL")
    assert PhoneNumber.objects.get().sync_status == SyncStatus.ERROR
    assert reconcile_livekit() == {"skipped": "LiveKit is not configured"}


def test_the_sync_waits_for_the_commit(
    workspace: Workspace, livekit: FakeLiveKit, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        trunk_save(trunk=Trunk(workspace=workspace, name="Carrier", address="sip.example.com"))
    assert Trunk.objects.get().sync_status == SyncStatus.PENDING
    assert livekit.sip.calls == []
    assert len(callbacks) == 1


def test_a_trunk_with_numbers_gets_its_trunks_and_rules(
    workspace: Workspace, livekit: FakeLiveKit, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        trunk = save_trunk(
            workspace, username="out", password="pw-out", codecs=["PCMU"],
            inbound_username="in", inbound_password="pw-in",
        )  # fmt: skip
    trunk.refresh_from_db()
    assert (trunk.sync_status, trunk.livekit_inbound_trunk_id) == (SyncStatus.SYNCED, "")
    assert livekit.sip.inbound == {}  # no numbers yet: nothing that could take a call

    with django_capture_on_commit_callbacks(execute=True):
        number = save_number(workspace, "+1 (555) 010-0100", trunk)
    trunk.refresh_from_db()
    number.refresh_from_db()
    assert number.e164 == "+15550100100"
    assert number.sync_status == SyncStatus.SYNCED
    inbound = livekit.sip.inbound[trunk.livekit_inbound_trunk_id]
    outbound = livekit.sip.outbound[trunk.livekit_outbound_trunk_id]
    assert list(inbound.numbers) == list(outbound.numbers) == ["+15550100100"]
    assert (inbound.auth_username, inbound.auth_password) == ("in", "pw-in")
    for side in (inbound, outbound):  # with their rates, and only them (livekit-sip refuses
        assert side.media.only_listed_codecs  # a codec without one with 500 on every INVITE)
        assert [(c.name, c.rate) for c in side.media.codecs] == [("PCMU", 8000)]
    assert (outbound.auth_username, outbound.auth_password) == ("out", "pw-out")
    assert json.loads(inbound.metadata) == {
        "managed_by": "betool", "install": "unit", "trunk": trunk.pk,
    }  # fmt: skip
    rule = livekit.sip.rules[number.livekit_dispatch_rule_id]
    assert list(rule.trunk_ids) == [trunk.livekit_inbound_trunk_id]
    assert rule.rule.dispatch_rule_individual.room_prefix == "call-"
    assert rule.room_config.agents[0].agent_name == "betool"
    assert json.loads(rule.room_config.agents[0].metadata) == {"number": "+15550100100"}

    # Moving the number off the trunk empties the trunk and removes the rule.
    with django_capture_on_commit_callbacks(execute=True):
        number.trunk = None
        number_save(number=number)
    trunk.refresh_from_db()
    assert livekit.sip.rules == {}
    assert livekit.sip.inbound == {}
    assert livekit.sip.outbound == {}
    assert trunk.livekit_inbound_trunk_id == ""


def test_deleting_a_trunk_removes_it_and_its_numbers_rules(
    workspace: Workspace, livekit: FakeLiveKit, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        trunk = save_trunk(workspace)
        number = save_number(workspace, "+15550100100", trunk)
    assert len(livekit.sip.rules) == 1
    trunk.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        trunk_delete(trunk=Trunk.objects.get(pk=trunk.pk))
    number.refresh_from_db()
    assert (livekit.sip.inbound, livekit.sip.outbound, livekit.sip.rules) == ({}, {}, {})
    assert number.livekit_dispatch_rule_id == ""
    assert number.sync_status == SyncStatus.SYNCED

    with django_capture_on_commit_callbacks(execute=True):
        number_delete(number=number)
    assert not PhoneNumber.objects.exists()


def test_an_inbound_only_trunk_has_no_outbound_trunk(
    workspace: Workspace, livekit: FakeLiveKit, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        trunk = save_trunk(workspace, direction=TrunkDirection.INBOUND)
        save_number(workspace, "+15550100100", trunk)
    assert len(livekit.sip.inbound) == 1
    assert livekit.sip.outbound == {}


def test_a_livekit_failure_is_stored_and_sync_now_repairs_it(
    workspace: Workspace, livekit: FakeLiveKit, django_capture_on_commit_callbacks: Any
) -> None:
    livekit.down = OSError("connection refused")
    with django_capture_on_commit_callbacks(execute=True):
        trunk = save_trunk(workspace)
        number = save_number(workspace, "+15550100100", trunk)
    trunk.refresh_from_db()
    number.refresh_from_db()
    assert trunk.sync_status == SyncStatus.ERROR
    assert trunk.sync_error.startswith("LiveKit cannot be reached at")
    assert number.sync_status == SyncStatus.ERROR
    assert number.sync_error.startswith("Its trunk Carrier is not in LiveKit: LiveKit cannot")

    livekit.down = None
    with django_capture_on_commit_callbacks(execute=True):
        livekit_sync_request(numbers=[number])
    number.refresh_from_db()
    trunk.refresh_from_db()
    assert (number.sync_status, trunk.sync_status) == (SyncStatus.SYNCED, SyncStatus.SYNCED)
    assert number.sync_error == ""
    assert number.synced_at is not None


def test_reconciliation_repairs_drift_and_deletes_only_its_own_orphans(
    workspace: Workspace, livekit: FakeLiveKit, django_capture_on_commit_callbacks: Any
) -> None:
    from livekit import api

    with django_capture_on_commit_callbacks(execute=True):
        trunk = save_trunk(workspace)
        number = save_number(workspace, "+15550100100", trunk)
    trunk.refresh_from_db()
    number.refresh_from_db()
    del livekit.sip.rules[number.livekit_dispatch_rule_id]
    livekit.sip.outbound[trunk.livekit_outbound_trunk_id].address = "evil.example.com"

    def rule(metadata: dict[str, Any]) -> api.SIPDispatchRuleInfo:
        return api.SIPDispatchRuleInfo(sip_dispatch_rule_id="", metadata=json.dumps(metadata))

    ours = {"managed_by": "betool", "install": "unit", "number": 424242}
    other_install = {"managed_by": "betool", "install": "staging", "number": 424242}
    theirs = {"owner": "someone-else"}
    stray = livekit.sip._store(livekit.sip.rules, "SDR_x", rule(ours), "sip_dispatch_rule_id")
    for metadata in (other_install, theirs):
        livekit.sip._store(livekit.sip.rules, "SDR_y", rule(metadata), "sip_dispatch_rule_id")

    report = reconcile_livekit()
    assert report == {
        "repaired_trunks": [trunk.pk],
        "repaired_numbers": [number.pk],
        "deleted_orphans": [stray.sip_dispatch_rule_id],
    }
    trunk.refresh_from_db()
    assert livekit.sip.outbound[trunk.livekit_outbound_trunk_id].address == "sip.example.com"
    assert len(livekit.sip.rules) == 3  # the repaired one and the two that are not ours
    assert reconcile_livekit() == {
        "repaired_trunks": [], "repaired_numbers": [], "deleted_orphans": [],
    }  # fmt: skip


def test_the_reconciliation_runs_on_celery_beat(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-livekit-sip"]
    assert entry["task"] == reconcile_livekit.name == "telephony.reconcile_livekit"
