"""LiveKit provisioning: betool's trunks and numbers written to LiveKit's SIP service.

Each Trunk becomes a LiveKit inbound trunk and/or outbound trunk; each PhoneNumber on an
inbound trunk becomes a dispatch rule that puts every call in its own ``call-…`` room and
dispatches the voice worker with ``{"number": e164}``. Every object betool writes carries
``{"managed_by": "betool", "install": LIVEKIT_SIP_INSTALL, …}`` in its metadata and a
``betool:`` name, so that the reconciliation repairs and removes only this installation's
objects and leaves everyone else's alone.

The sync functions are synchronous (Celery tasks call them); they record the outcome on the
record (``sync_status``, ``sync_error``, ``synced_at``) and never raise for a LiveKit failure.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone
from google.protobuf.message import Message
from livekit import api

from telephony.models import SIP_CODEC_RATES, PhoneNumber, SipTransport, SyncStatus, Trunk
from telephony.provisioning.dispatch import LiveKitNotConfigured

logger = logging.getLogger(__name__)

MANAGED_BY = "betool"
NAME_PREFIX = "betool:"
ROOM_PREFIX = "call-"
LIVEKIT_TIMEOUT_S = 10.0
NOT_CONFIGURED = (
    "LiveKit is not configured (LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET): "
    "the record is saved but not provisioned."
)

TRANSPORTS = {
    SipTransport.UDP: api.SIPTransport.SIP_TRANSPORT_UDP,
    SipTransport.TCP: api.SIPTransport.SIP_TRANSPORT_TCP,
    SipTransport.TLS: api.SIPTransport.SIP_TRANSPORT_TLS,
}

T = TypeVar("T")


# --- what LiveKit should hold -----------------------------------------------------------------


def _marker(kind: str, pk: int) -> str:
    owner = {"managed_by": MANAGED_BY, "install": settings.LIVEKIT_SIP_INSTALL, kind: pk}
    return json.dumps(owner, sort_keys=True)


def is_managed(metadata: str) -> bool:
    """Whether a LiveKit object's metadata says this betool installation made it."""
    try:
        data = json.loads(metadata or "{}")
    except ValueError:
        return False
    return (
        isinstance(data, dict)
        and data.get("managed_by") == MANAGED_BY
        and data.get("install") == settings.LIVEKIT_SIP_INSTALL
    )


def _numbers_of(trunk: Trunk) -> list[str]:
    return sorted(trunk.numbers.values_list("e164", flat=True))


def _media(trunk: Trunk) -> api.SIPMediaConfig | None:
    """The trunk's codecs, each with its SDP clock rate (livekit-sip fails every INVITE on a
    trunk whose codec has none), and only those: the trunk's list, in its order, is what
    the carrier is offered, not an addition to livekit-sip's defaults."""
    if not trunk.codecs:
        return None
    return api.SIPMediaConfig(
        only_listed_codecs=True,
        codecs=[api.SIPCodec(name=str(name), rate=SIP_CODEC_RATES[name]) for name in trunk.codecs],
    )


def inbound_trunk_info(trunk: Trunk, numbers: list[str]) -> api.SIPInboundTrunkInfo:
    return api.SIPInboundTrunkInfo(
        name=f"{NAME_PREFIX}{trunk.name}",
        metadata=_marker("trunk", trunk.pk),
        numbers=numbers,
        allowed_addresses=[str(address) for address in trunk.allowed_addresses],
        auth_username=trunk.inbound_username,
        auth_password=trunk.inbound_password,
        media=_media(trunk),
    )


def outbound_trunk_info(trunk: Trunk, numbers: list[str]) -> api.SIPOutboundTrunkInfo:
    return api.SIPOutboundTrunkInfo(
        name=f"{NAME_PREFIX}{trunk.name}",
        metadata=_marker("trunk", trunk.pk),
        address=trunk.address,
        transport=TRANSPORTS[SipTransport(trunk.transport)],
        numbers=numbers,
        auth_username=trunk.username,
        auth_password=trunk.password,
        media=_media(trunk),
    )


@dataclass(frozen=True)
class TrunkSides:
    """The LiveKit trunks a Trunk should have; None where it should have none: the side it
    does not carry, or both while it has no numbers (LiveKit refuses an outbound trunk
    without numbers, and an inbound one without numbers would take calls to any number)."""

    inbound: api.SIPInboundTrunkInfo | None
    outbound: api.SIPOutboundTrunkInfo | None


def trunk_sides(trunk: Trunk) -> TrunkSides:
    numbers = _numbers_of(trunk)
    if not numbers:
        return TrunkSides(inbound=None, outbound=None)
    return TrunkSides(
        inbound=inbound_trunk_info(trunk, numbers) if trunk.carries_inbound else None,
        outbound=outbound_trunk_info(trunk, numbers) if trunk.carries_outbound else None,
    )


def inbound_trunk_id_for(number: PhoneNumber) -> str:
    """The LiveKit inbound trunk a number's calls arrive on, or "" when it has none."""
    trunk = number.trunk
    if trunk is None or not trunk.carries_inbound:
        return ""
    return trunk.livekit_inbound_trunk_id


def dispatch_rule_info(number: PhoneNumber) -> api.SIPDispatchRuleInfo:
    return api.SIPDispatchRuleInfo(
        name=f"{NAME_PREFIX}{number.e164}",
        metadata=_marker("number", number.pk),
        trunk_ids=[inbound_trunk_id_for(number)],
        numbers=[number.e164],
        rule=api.SIPDispatchRule(
            dispatch_rule_individual=api.SIPDispatchRuleIndividual(room_prefix=ROOM_PREFIX)
        ),
        room_config=api.RoomConfiguration(
            agents=[
                api.RoomAgentDispatch(
                    agent_name=settings.LIVEKIT_AGENT_NAME,
                    metadata=json.dumps({"number": number.e164}),
                )
            ]
        ),
    )


_SERVER_FIELDS = ("sip_trunk_id", "sip_dispatch_rule_id", "created_at", "updated_at")
_SECRET_FIELDS = ("auth_password",)


def same_settings(wanted: Message, actual: Message) -> bool:
    """Whether LiveKit's object has the settings betool wants (ids, times and passwords,
    which LiveKit may not return, aside)."""

    def comparable(message: Message) -> Message:
        copy = type(message)()
        copy.CopyFrom(message)
        for name in _SERVER_FIELDS + _SECRET_FIELDS:
            if name in copy.DESCRIPTOR.fields_by_name:
                copy.ClearField(name)
        if "media" in copy.DESCRIPTOR.fields_by_name and copy.media.ByteSize() == 0:  # type: ignore[attr-defined]
            copy.ClearField("media")
        return copy

    return comparable(wanted) == comparable(actual)


# --- talking to LiveKit -----------------------------------------------------------------------


def _run(work: Callable[[api.LiveKitAPI], Awaitable[T]]) -> T:
    """Run ``work`` with a LiveKit API client, from synchronous code."""
    if not settings.LIVEKIT_ENABLED:
        raise LiveKitNotConfigured(NOT_CONFIGURED)

    async def main() -> T:
        async with api.LiveKitAPI(
            settings.LIVEKIT_URL, settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET
        ) as lk:
            return await asyncio.wait_for(work(lk), LIVEKIT_TIMEOUT_S)

    return asyncio.run(main())


def _describe(exc: BaseException) -> str:
    if isinstance(exc, api.TwirpError):
        return f"LiveKit refused it ({exc.code}): {exc.message}"
    if isinstance(exc, LiveKitNotConfigured):
        return str(exc)
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return f"LiveKit did not answer within {LIVEKIT_TIMEOUT_S:.0f} seconds."
    if isinstance(exc, OSError) or type(exc).__module__.startswith("aiohttp"):
        return f"LiveKit cannot be reached at {settings.LIVEKIT_URL}: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _is_missing(exc: Exception) -> bool:
    return isinstance(exc, api.TwirpError) and exc.code in ("not_found", "notfound")


async def _update_or_create(
    known_id: str,
    update: Callable[[], Awaitable[str]],
    create: Callable[[], Awaitable[str]],
) -> str:
    """The object's id after updating the one betool knows, or creating it when betool has
    none yet or LiveKit lost it (deleted behind betool's back)."""
    if known_id:
        try:
            return await update()
        except api.TwirpError as exc:
            if not _is_missing(exc):
                raise
    return await create()


async def _put_inbound(lk: api.LiveKitAPI, trunk_id: str, info: api.SIPInboundTrunkInfo) -> str:
    async def update() -> str:
        return (await lk.sip.update_inbound_trunk(trunk_id, info)).sip_trunk_id

    async def create() -> str:
        request = api.CreateSIPInboundTrunkRequest(trunk=info)
        return (await lk.sip.create_inbound_trunk(request)).sip_trunk_id

    return await _update_or_create(trunk_id, update, create)


async def _put_outbound(lk: api.LiveKitAPI, trunk_id: str, info: api.SIPOutboundTrunkInfo) -> str:
    async def update() -> str:
        return (await lk.sip.update_outbound_trunk(trunk_id, info)).sip_trunk_id

    async def create() -> str:
        request = api.CreateSIPOutboundTrunkRequest(trunk=info)
        return (await lk.sip.create_outbound_trunk(request)).sip_trunk_id

    return await _update_or_create(trunk_id, update, create)


async def _put_rule(lk: api.LiveKitAPI, rule_id: str, info: api.SIPDispatchRuleInfo) -> str:
    async def update() -> str:
        return (await lk.sip.update_dispatch_rule(rule_id, info)).sip_dispatch_rule_id

    async def create() -> str:
        request = api.CreateSIPDispatchRuleRequest(dispatch_rule=info)
        return (await lk.sip.create_dispatch_rule(request)).sip_dispatch_rule_id

    return await _update_or_create(rule_id, update, create)


async def _delete_trunk(lk: api.LiveKitAPI, trunk_id: str) -> None:
    try:
        await lk.sip.delete_trunk(api.DeleteSIPTrunkRequest(sip_trunk_id=trunk_id))
    except api.TwirpError as exc:
        if not _is_missing(exc):
            raise


async def _delete_rule(lk: api.LiveKitAPI, rule_id: str) -> None:
    try:
        await lk.sip.delete_dispatch_rule(
            api.DeleteSIPDispatchRuleRequest(sip_dispatch_rule_id=rule_id)
        )
    except api.TwirpError as exc:
        if not _is_missing(exc):
            raise


# --- syncing one record -----------------------------------------------------------------------


def _record_outcome(record: Trunk | PhoneNumber, error: str, **ids: str) -> None:
    for name, value in ids.items():
        setattr(record, name, value)
    record.sync_status = SyncStatus.ERROR if error else SyncStatus.SYNCED
    record.sync_error = error
    fields = [*ids, "sync_status", "sync_error"]
    if not error:
        record.synced_at = timezone.now()
        fields.append("synced_at")
    type(record).objects.filter(pk=record.pk).update(
        **{name: getattr(record, name) for name in fields}
    )


def sync_trunk(trunk_id: int) -> Trunk | None:
    """Write one trunk to LiveKit (create, update, or remove the side it no longer carries).

    When its inbound trunk was (re)created, its numbers' dispatch rules follow it.
    """
    trunk = Trunk.objects.filter(pk=trunk_id).first()
    if trunk is None:
        return None
    inbound_before = trunk.livekit_inbound_trunk_id
    inbound_id, outbound_id = inbound_before, trunk.livekit_outbound_trunk_id

    # Built here: the database is not read from the event loop.
    sides = trunk_sides(trunk)
    inbound, outbound = sides.inbound, sides.outbound

    async def push(lk: api.LiveKitAPI) -> None:
        nonlocal inbound_id, outbound_id
        if inbound is not None:
            inbound_id = await _put_inbound(lk, inbound_id, inbound)
        elif inbound_id:
            await _delete_trunk(lk, inbound_id)
            inbound_id = ""
        if outbound is not None:
            outbound_id = await _put_outbound(lk, outbound_id, outbound)
        elif outbound_id:
            await _delete_trunk(lk, outbound_id)
            outbound_id = ""

    error = ""
    try:
        _run(push)
    # The trunk is saved: whatever stops its sync is recorded on it (the admin sees why and
    # retries), never raised into the save.
    except Exception as exc:  # noqa: BLE001
        error = _describe(exc)
        logger.warning("trunk %s was not synced to LiveKit: %s", trunk.pk, error)
    _record_outcome(
        trunk,
        error,
        livekit_inbound_trunk_id=inbound_id,
        livekit_outbound_trunk_id=outbound_id,
    )
    if inbound_id != inbound_before:
        for number_id in trunk.numbers.values_list("pk", flat=True):
            sync_number(number_id)
    return trunk


def sync_number(number_id: int) -> PhoneNumber | None:
    """Write one number's dispatch rule to LiveKit; a number without an inbound trunk has none.

    A trunk that has not reached LiveKit yet is synced first.
    """
    number = PhoneNumber.objects.select_related("trunk").filter(pk=number_id).first()
    if number is None:
        return None
    trunk = number.trunk
    if trunk is not None and trunk.carries_inbound and not trunk.livekit_inbound_trunk_id:
        sync_trunk(trunk.pk)
        number.trunk = Trunk.objects.get(pk=trunk.pk)
        if not number.trunk.livekit_inbound_trunk_id:
            _record_outcome(
                number, f"Its trunk {trunk.name} is not in LiveKit: {number.trunk.sync_error}"
            )
            return number
    rule_id = number.livekit_dispatch_rule_id
    wanted = dispatch_rule_info(number) if inbound_trunk_id_for(number) else None

    async def push(lk: api.LiveKitAPI) -> None:
        nonlocal rule_id
        if wanted is not None:
            rule_id = await _put_rule(lk, rule_id, wanted)
        elif rule_id:
            await _delete_rule(lk, rule_id)
            rule_id = ""

    error = ""
    try:
        _run(push)
    except Exception as exc:  # noqa: BLE001 - recorded on the number, as a trunk's is
        error = _describe(exc)
        logger.warning("number %s was not synced to LiveKit: %s", number.e164, error)
    _record_outcome(number, error, livekit_dispatch_rule_id=rule_id)
    return number


def delete_from_livekit(*, trunk_ids: list[str], rule_ids: list[str]) -> None:
    """Remove objects whose records are gone (already-missing ones are fine)."""
    if not (trunk_ids or rule_ids) or not settings.LIVEKIT_ENABLED:
        return

    async def delete(lk: api.LiveKitAPI) -> None:
        for rule_id in rule_ids:
            await _delete_rule(lk, rule_id)
        for trunk_id in trunk_ids:
            await _delete_trunk(lk, trunk_id)

    _run(delete)


# --- reconciliation ---------------------------------------------------------------------------


@dataclass
class LiveKitSipState:
    """betool's objects as LiveKit holds them, by id."""

    inbound: dict[str, api.SIPInboundTrunkInfo] = field(default_factory=dict)
    outbound: dict[str, api.SIPOutboundTrunkInfo] = field(default_factory=dict)
    rules: dict[str, api.SIPDispatchRuleInfo] = field(default_factory=dict)


def livekit_sip_state() -> LiveKitSipState:
    """What LiveKit holds that betool made (others' objects are not listed)."""

    async def read(lk: api.LiveKitAPI) -> LiveKitSipState:
        inbound = await lk.sip.list_inbound_trunk(api.ListSIPInboundTrunkRequest())
        outbound = await lk.sip.list_outbound_trunk(api.ListSIPOutboundTrunkRequest())
        rules = await lk.sip.list_dispatch_rule(api.ListSIPDispatchRuleRequest())
        return LiveKitSipState(
            inbound={t.sip_trunk_id: t for t in inbound.items if is_managed(t.metadata)},
            outbound={t.sip_trunk_id: t for t in outbound.items if is_managed(t.metadata)},
            rules={r.sip_dispatch_rule_id: r for r in rules.items if is_managed(r.metadata)},
        )

    return _run(read)


@dataclass
class ReconcileReport:
    repaired_trunks: list[int] = field(default_factory=list)
    repaired_numbers: list[int] = field(default_factory=list)
    deleted_orphans: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "repaired_trunks": self.repaired_trunks,
            "repaired_numbers": self.repaired_numbers,
            "deleted_orphans": self.deleted_orphans,
        }


def _trunk_drifted(trunk: Trunk, state: LiveKitSipState) -> bool:
    if trunk.sync_status != SyncStatus.SYNCED:
        return True
    sides = trunk_sides(trunk)
    pairs: list[tuple[Message | None, str, dict[str, Any]]] = [
        (sides.inbound, trunk.livekit_inbound_trunk_id, state.inbound),
        (sides.outbound, trunk.livekit_outbound_trunk_id, state.outbound),
    ]
    for wanted, livekit_id, held in pairs:
        if (wanted is None) != (not livekit_id):
            return True
        if wanted is not None and (
            livekit_id not in held or not same_settings(wanted, held[livekit_id])
        ):
            return True
    return False


def _number_drifted(number: PhoneNumber, state: LiveKitSipState) -> bool:
    if number.sync_status != SyncStatus.SYNCED:
        return True
    rule_id = number.livekit_dispatch_rule_id
    if bool(inbound_trunk_id_for(number)) != bool(rule_id):
        return True
    return bool(rule_id) and (
        rule_id not in state.rules
        or not same_settings(dispatch_rule_info(number), state.rules[rule_id])
    )


def _owner(metadata: str, kind: str) -> int | None:
    try:
        value = json.loads(metadata).get(kind)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def _trunk_ids(trunk: Trunk) -> set[str]:
    return {trunk.livekit_inbound_trunk_id, trunk.livekit_outbound_trunk_id}


def _rule_ids(number: PhoneNumber) -> set[str]:
    return {number.livekit_dispatch_rule_id}


R = TypeVar("R", Trunk, PhoneNumber)


def _is_orphan(
    livekit_id: str, owner: int | None, records: dict[int, R], ids_of: Callable[[R], set[str]]
) -> bool:
    """No record claims it: its record is gone, or (once that record is synced, so not in the
    middle of a sync) the record names other LiveKit objects."""
    record = records.get(owner) if owner is not None else None
    if record is None:
        return True
    return record.sync_status == SyncStatus.SYNCED and livekit_id not in ids_of(record)


def reconcile() -> ReconcileReport:
    """Make LiveKit hold exactly what the database says: create what is missing, update what
    changed, delete betool-made objects that no record claims."""
    report = ReconcileReport()
    state = livekit_sip_state()
    for trunk in Trunk.objects.all():
        if _trunk_drifted(trunk, state):
            sync_trunk(trunk.pk)
            report.repaired_trunks.append(trunk.pk)
    for number in PhoneNumber.objects.select_related("trunk"):
        if _number_drifted(number, state):
            sync_number(number.pk)
            report.repaired_numbers.append(number.pk)

    trunks = {t.pk: t for t in Trunk.objects.all()}
    numbers = {n.pk: n for n in PhoneNumber.objects.all()}
    trunk_metadata = {i: t.metadata for i, t in state.inbound.items()} | {
        i: t.metadata for i, t in state.outbound.items()
    }
    orphan_trunks = [
        livekit_id
        for livekit_id, metadata in trunk_metadata.items()
        if _is_orphan(livekit_id, _owner(metadata, "trunk"), trunks, _trunk_ids)
    ]
    orphan_rules = [
        livekit_id
        for livekit_id, info in state.rules.items()
        if _is_orphan(livekit_id, _owner(info.metadata, "number"), numbers, _rule_ids)
    ]
    delete_from_livekit(trunk_ids=orphan_trunks, rule_ids=orphan_rules)
    report.deleted_orphans = orphan_rules + orphan_trunks
    return report
