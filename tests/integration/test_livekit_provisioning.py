"""Provisioning against a REAL livekit-server: what betool writes, LiveKit lists back.

Each test tags its objects with an installation name of its own (``LIVEKIT_SIP_INSTALL``), so
that it sees, repairs and deletes only what it made, whatever else the server holds.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from celery import current_app
from django.conf import settings
from livekit import api

from betool.models import Workspace
from telephony.models import PhoneNumber, SipTransport, SyncStatus, Trunk, TrunkDirection
from telephony.provisioning.livekit import LiveKitSipState, livekit_sip_state
from telephony.provisioning.services import number_delete, number_save, trunk_delete, trunk_save
from telephony.tasks import reconcile_livekit
from tests.integration.conftest import HOW_TO_START

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def livekit_install(settings: Any) -> Iterator[str]:
    """A real LiveKit, a tag of this test's own, and Celery tasks run where they are sent."""
    if not settings.LIVEKIT_ENABLED:
        pytest.fail("The provisioning tests need livekit-server. " + HOW_TO_START, pytrace=False)
    settings.LIVEKIT_SIP_INSTALL = f"it-{uuid.uuid4().hex[:10]}"
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        yield settings.LIVEKIT_SIP_INSTALL
    finally:
        current_app.conf.task_always_eager = eager
        _delete_everything_tagged()


def _delete_everything_tagged() -> None:
    state = livekit_sip_state()

    async def delete(lk: api.LiveKitAPI) -> None:
        for rule_id in state.rules:
            await lk.sip.delete_dispatch_rule(
                api.DeleteSIPDispatchRuleRequest(sip_dispatch_rule_id=rule_id)
            )
        for trunk_id in [*state.inbound, *state.outbound]:
            await lk.sip.delete_trunk(api.DeleteSIPTrunkRequest(sip_trunk_id=trunk_id))

    _with_livekit(delete)


def _with_livekit(work: Any) -> Any:
    async def main() -> Any:
        async with api.LiveKitAPI(
            settings.LIVEKIT_URL, settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET
        ) as lk:
            return await work(lk)

    return asyncio.run(main())


def _save_trunk(trunk: Trunk, **secrets: str) -> Trunk:
    trunk_save(trunk=trunk, **secrets)
    trunk.refresh_from_db()
    return trunk


def _save_number(number: PhoneNumber) -> PhoneNumber:
    number_save(number=number)
    number.refresh_from_db()
    return number


def assert_livekit_matches_database(state: LiveKitSipState | None = None) -> LiveKitSipState:
    """LiveKit holds one inbound/outbound trunk per trunk side and one rule per number on an
    inbound trunk, with the database's settings, and nothing else of ours."""
    state = state or livekit_sip_state()
    trunks = list(Trunk.objects.all())
    numbers = list(PhoneNumber.objects.select_related("trunk"))
    assert all(t.sync_status == SyncStatus.SYNCED for t in trunks), [t.sync_error for t in trunks]
    assert all(n.sync_status == SyncStatus.SYNCED for n in numbers), [n.sync_error for n in numbers]

    in_use = [t for t in trunks if t.numbers.exists()]
    assert set(state.inbound) == {t.livekit_inbound_trunk_id for t in in_use if t.carries_inbound}
    assert set(state.outbound) == {
        t.livekit_outbound_trunk_id for t in in_use if t.carries_outbound
    }
    for trunk in trunks:
        e164s = sorted(trunk.numbers.values_list("e164", flat=True))
        if not e164s:  # a trunk without numbers carries no calls: nothing in LiveKit
            assert (trunk.livekit_inbound_trunk_id, trunk.livekit_outbound_trunk_id) == ("", "")
            continue
        if trunk.carries_inbound:
            inbound = state.inbound[trunk.livekit_inbound_trunk_id]
            assert inbound.name == f"betool:{trunk.name}"
            assert sorted(inbound.numbers) == e164s
            assert list(inbound.allowed_addresses) == trunk.allowed_addresses
            assert inbound.auth_username == trunk.inbound_username
            assert [c.name for c in inbound.media.codecs] == trunk.codecs
            assert all(c.rate for c in inbound.media.codecs)  # livekit-sip needs the rates
            assert inbound.media.only_listed_codecs == bool(trunk.codecs)
        else:
            assert not trunk.livekit_inbound_trunk_id
        if trunk.carries_outbound:
            outbound = state.outbound[trunk.livekit_outbound_trunk_id]
            assert outbound.address == trunk.address
            assert outbound.auth_username == trunk.username
            assert sorted(outbound.numbers) == e164s
        else:
            assert not trunk.livekit_outbound_trunk_id

    routed = [n for n in numbers if n.trunk is not None and n.trunk.carries_inbound]
    assert set(state.rules) == {n.livekit_dispatch_rule_id for n in routed}
    for number in routed:
        assert number.trunk is not None
        rule = state.rules[number.livekit_dispatch_rule_id]
        assert list(rule.trunk_ids) == [number.trunk.livekit_inbound_trunk_id]
        assert list(rule.numbers) == [number.e164]
        assert rule.rule.dispatch_rule_individual.room_prefix == "call-"
        (agent,) = rule.room_config.agents
        assert agent.agent_name == settings.LIVEKIT_AGENT_NAME
        assert json.loads(agent.metadata) == {"number": number.e164}
    for number in numbers:
        if number not in routed:
            assert not number.livekit_dispatch_rule_id
    return state


def _acme_trunk(workspace: Workspace) -> Trunk:
    return _save_trunk(
        Trunk(
            workspace=workspace,
            name="Acme carrier",
            address="sip.carrier.example:5060",
            transport=SipTransport.TCP,
            username="acme-out",
            inbound_username="acme-in",
            allowed_addresses=["203.0.113.0/24"],
            codecs=["PCMA", "PCMU"],
        ),
        password="out-secret",
        inbound_password="in-secret",
    )


def test_creating_changing_and_deleting_trunks_and_numbers_mirrors_livekit(
    workspace: Workspace,
) -> None:
    trunk = _acme_trunk(workspace)
    assert trunk.sync_status == SyncStatus.SYNCED
    assert_livekit_matches_database()

    sales = _save_number(PhoneNumber(workspace=workspace, e164="+1 555 010 0100", trunk=trunk))
    support = _save_number(PhoneNumber(workspace=workspace, e164="+15550100101", trunk=trunk))
    trunk.refresh_from_db()
    assert trunk.livekit_inbound_trunk_id.startswith("ST_")
    assert trunk.livekit_outbound_trunk_id.startswith("ST_")
    assert sales.e164 == "+15550100100"
    assert sales.livekit_dispatch_rule_id.startswith("SDR_")
    state = assert_livekit_matches_database()
    outbound = state.outbound[trunk.livekit_outbound_trunk_id]
    assert outbound.transport == api.SIPTransport.SIP_TRANSPORT_TCP

    # Changes: the carrier moves, a codec goes, a number is renumbered.
    trunk.address = "sip2.carrier.example"
    trunk.codecs = ["PCMU"]
    trunk.allowed_addresses = ["198.51.100.7"]
    _save_trunk(trunk)
    support.e164 = "+15550100199"
    _save_number(support)
    assert_livekit_matches_database()

    # Inbound only: the outbound trunk goes away, the rules stay.
    trunk.direction = TrunkDirection.INBOUND
    trunk = _save_trunk(trunk)
    assert trunk.livekit_outbound_trunk_id == ""
    assert_livekit_matches_database()

    # Outbound only: the inbound trunk goes, and with it the numbers' dispatch rules.
    trunk.direction = TrunkDirection.OUTBOUND
    trunk = _save_trunk(trunk)
    state = assert_livekit_matches_database()
    assert state.rules == {}

    trunk.direction = TrunkDirection.BOTH
    trunk = _save_trunk(trunk)
    assert len(assert_livekit_matches_database().rules) == 2

    number_delete(number=PhoneNumber.objects.get(pk=sales.pk))
    state = assert_livekit_matches_database()
    assert [list(r.numbers) for r in state.rules.values()] == [["+15550100199"]]

    trunk_delete(trunk=Trunk.objects.get(pk=trunk.pk))
    state = assert_livekit_matches_database()
    assert (state.inbound, state.outbound, state.rules) == ({}, {}, {})
    assert PhoneNumber.objects.get(pk=support.pk).trunk is None


def test_reconciliation_repairs_what_was_changed_behind_betools_back(
    workspace: Workspace,
) -> None:
    trunk = _acme_trunk(workspace)
    number = _save_number(PhoneNumber(workspace=workspace, e164="+15550100100", trunk=trunk))
    lost_rule = number.livekit_dispatch_rule_id
    trunk.refresh_from_db()
    inbound_id = trunk.livekit_inbound_trunk_id

    async def tamper(lk: api.LiveKitAPI) -> str:
        await lk.sip.delete_dispatch_rule(
            api.DeleteSIPDispatchRuleRequest(sip_dispatch_rule_id=lost_rule)
        )
        await lk.sip.update_inbound_trunk_fields(inbound_id, allowed_addresses=["192.0.2.66"])
        stray = await lk.sip.create_dispatch_rule(
            api.CreateSIPDispatchRuleRequest(
                dispatch_rule=api.SIPDispatchRuleInfo(
                    name="betool:stray",
                    trunk_ids=[inbound_id],
                    numbers=["+15550100999"],
                    metadata=json.dumps(
                        {
                            "managed_by": "betool",
                            "install": settings.LIVEKIT_SIP_INSTALL,
                            "number": 999_999,
                        }
                    ),
                    rule=api.SIPDispatchRule(
                        dispatch_rule_individual=api.SIPDispatchRuleIndividual(room_prefix="x-")
                    ),
                )
            )
        )
        return stray.sip_dispatch_rule_id

    stray_rule = _with_livekit(tamper)
    # Someone else's rule on the same server: not betool's, so never touched.
    foreign = _with_livekit(
        lambda lk: lk.sip.create_dispatch_rule(
            api.CreateSIPDispatchRuleRequest(
                dispatch_rule=api.SIPDispatchRuleInfo(
                    name="another-tenant",
                    numbers=["+15550100888"],
                    metadata=json.dumps({"managed_by": "someone-else"}),
                    rule=api.SIPDispatchRule(
                        dispatch_rule_individual=api.SIPDispatchRuleIndividual(room_prefix="o-")
                    ),
                )
            )
        )
    )
    try:
        drifted = livekit_sip_state()
        assert lost_rule not in drifted.rules
        assert list(drifted.inbound[inbound_id].allowed_addresses) == ["192.0.2.66"]

        report = reconcile_livekit.delay().get()

        assert report["repaired_numbers"] == [number.pk]
        assert report["repaired_trunks"] == [trunk.pk]
        assert report["deleted_orphans"] == [stray_rule]
        number.refresh_from_db()
        assert number.livekit_dispatch_rule_id not in ("", lost_rule)
        state = assert_livekit_matches_database()
        assert list(state.inbound[inbound_id].allowed_addresses) == ["203.0.113.0/24"]

        # A trunk deleted behind betool's back is made again (its rule follows the new id).
        _with_livekit(
            lambda lk: lk.sip.delete_trunk(api.DeleteSIPTrunkRequest(sip_trunk_id=inbound_id))
        )
        assert reconcile_livekit.delay().get()["repaired_trunks"] == [trunk.pk]
        trunk.refresh_from_db()
        assert trunk.livekit_inbound_trunk_id not in ("", inbound_id)
        assert_livekit_matches_database()

        # A second pass finds nothing to do.
        assert reconcile_livekit.delay().get() == {
            "repaired_trunks": [], "repaired_numbers": [], "deleted_orphans": [],
        }  # fmt: skip
        listed = _with_livekit(
            lambda lk: lk.sip.list_dispatch_rule(
                api.ListSIPDispatchRuleRequest(dispatch_rule_ids=[foreign.sip_dispatch_rule_id])
            )
        )
        assert [r.name for r in listed.items] == ["another-tenant"]
    finally:
        _with_livekit(
            lambda lk: lk.sip.delete_dispatch_rule(
                api.DeleteSIPDispatchRuleRequest(sip_dispatch_rule_id=foreign.sip_dispatch_rule_id)
            )
        )


def test_a_livekit_refusal_is_recorded_on_the_record(workspace: Workspace) -> None:
    trunk = _acme_trunk(workspace)
    first = _save_number(PhoneNumber(workspace=workspace, e164="+15550100100", trunk=trunk))
    assert first.sync_status == SyncStatus.SYNCED
    trunk.refresh_from_db()

    # A second rule for the same trunk and number conflicts in LiveKit.
    async def conflicting(lk: api.LiveKitAPI) -> str:
        rule = await lk.sip.create_dispatch_rule(
            api.CreateSIPDispatchRuleRequest(
                dispatch_rule=api.SIPDispatchRuleInfo(
                    name="conflict", trunk_ids=[trunk.livekit_inbound_trunk_id],
                    numbers=["+15550100555"],
                    rule=api.SIPDispatchRule(
                        dispatch_rule_individual=api.SIPDispatchRuleIndividual(room_prefix="c-")
                    ),
                )
            )
        )  # fmt: skip
        return rule.sip_dispatch_rule_id

    conflict_id = _with_livekit(conflicting)
    try:
        second = _save_number(PhoneNumber(workspace=workspace, e164="+15550100555", trunk=trunk))
        assert second.sync_status == SyncStatus.ERROR, second.sync_error
        assert "LiveKit refused it" in second.sync_error
        assert second.synced_at is None
    finally:
        _with_livekit(
            lambda lk: lk.sip.delete_dispatch_rule(
                api.DeleteSIPDispatchRuleRequest(sip_dispatch_rule_id=conflict_id)
            )
        )
