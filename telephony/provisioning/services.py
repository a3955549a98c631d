"""Writes of trunks and numbers: each saves the record, marks it pending, and once the
transaction commits asks Celery to write it to LiveKit (``telephony/provisioning/livekit.py``).

Secrets are keyword arguments apart from the record: ``None`` keeps the stored value, ``""``
removes it, anything else replaces it. Nothing here ever returns a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from betool.models import Workspace
from telephony.models import (
    AnsweringMachineMode,
    Call,
    PhoneNumber,
    SyncStatus,
    Trunk,
    validate_e164,
)
from telephony.provisioning.dispatch import LiveKitNotConfigured
from telephony.selectors import CallRejected, normalize_e164
from telephony.services import call_outbound_create

_NUMBER_PUNCTUATION = re.compile(r"[\s\-().]")


def compact_e164(raw: str) -> str:
    """``"+1 (555) 010-0100"`` → ``"+15550100100"``; anything else is left for validation."""
    return _NUMBER_PUNCTUATION.sub("", raw.strip())


def _schedule_trunk_sync(trunk_ids: list[int]) -> None:
    from telephony.tasks import sync_trunk_to_livekit

    def schedule(trunk_id: int) -> None:
        transaction.on_commit(lambda: sync_trunk_to_livekit.delay(trunk_id))

    for trunk_id in trunk_ids:
        schedule(trunk_id)


def _schedule_number_sync(number_id: int, *, trunk_ids: list[int]) -> None:
    from telephony.tasks import sync_number_to_livekit

    transaction.on_commit(lambda: sync_number_to_livekit.delay(number_id, trunk_ids))


def _mark_pending(model: type[Trunk] | type[PhoneNumber], ids: list[int]) -> None:
    model.objects.filter(pk__in=ids).update(sync_status=SyncStatus.PENDING, sync_error="")


@transaction.atomic
def trunk_save(
    *, trunk: Trunk, password: str | None = None, inbound_password: str | None = None
) -> Trunk:
    """Create or change a trunk (validated), then write it to LiveKit."""
    if password is not None:
        trunk.password = password
    if inbound_password is not None:
        trunk.inbound_password = inbound_password
    trunk.full_clean()
    trunk.sync_status = SyncStatus.PENDING
    trunk.sync_error = ""
    trunk.save()
    _schedule_trunk_sync([trunk.pk])
    return trunk


@transaction.atomic
def trunk_delete(*, trunk: Trunk) -> None:
    """Delete a trunk and its LiveKit trunks; its numbers stay, without a trunk (and so
    without dispatch rules)."""
    from telephony.tasks import delete_from_livekit_task

    livekit_ids = [
        i for i in (trunk.livekit_inbound_trunk_id, trunk.livekit_outbound_trunk_id) if i
    ]
    number_ids = list(trunk.numbers.values_list("pk", flat=True))
    trunk.delete()
    _mark_pending(PhoneNumber, number_ids)
    transaction.on_commit(lambda: delete_from_livekit_task.delay(livekit_ids, []))
    for number_id in number_ids:
        _schedule_number_sync(number_id, trunk_ids=[])


@transaction.atomic
def number_save(*, number: PhoneNumber) -> PhoneNumber:
    """Create or change a number (E.164, same workspace as its trunk and pipeline), then
    write its dispatch rule, and the numbers of the trunks it joins or leaves, to LiveKit."""
    number.e164 = compact_e164(number.e164)
    previous = (
        PhoneNumber.objects.filter(pk=number.pk).values("trunk_id", "e164").first()
        if number.pk
        else None
    )
    # PhoneNumber.clean names a missing or foreign trunk, pipeline, version or voice model
    # in plain words.
    number.full_clean(
        exclude=["trunk", "pipeline", "pinned_version", "asr_model", "tts_model", "llm_model"]
    )
    number.sync_status = SyncStatus.PENDING
    number.sync_error = ""
    number.save()
    trunk_ids: set[int] = set()
    if (
        previous is None
        or previous["e164"] != number.e164
        or previous["trunk_id"] != number.trunk_id
    ):
        trunk_ids = {i for i in (number.trunk_id, previous and previous["trunk_id"]) if i}
    _mark_pending(Trunk, sorted(trunk_ids))
    _schedule_number_sync(number.pk, trunk_ids=sorted(trunk_ids))
    return number


@transaction.atomic
def number_delete(*, number: PhoneNumber) -> None:
    """Delete a number, its dispatch rule, and its place in its trunk's LiveKit numbers."""
    from telephony.tasks import delete_from_livekit_task

    rule_ids = [number.livekit_dispatch_rule_id] if number.livekit_dispatch_rule_id else []
    trunk_id = number.trunk_id
    number.delete()
    transaction.on_commit(lambda: delete_from_livekit_task.delay([], rule_ids))
    if trunk_id is not None:
        _mark_pending(Trunk, [trunk_id])
        _schedule_trunk_sync([trunk_id])


@transaction.atomic
def livekit_sync_request(
    *, trunks: Iterable[Trunk] = (), numbers: Iterable[PhoneNumber] = ()
) -> None:
    """ "Sync now": write these records to LiveKit again, whatever their state."""
    trunk_ids = [trunk.pk for trunk in trunks]
    _mark_pending(Trunk, trunk_ids)
    _schedule_trunk_sync(trunk_ids)
    for number in numbers:
        _mark_pending(PhoneNumber, [number.pk])
        _schedule_number_sync(number.pk, trunk_ids=[])


def outbound_call_place(
    *,
    workspace: Workspace,
    number: PhoneNumber,
    to_number: str,
    variables: dict[str, Any] | None = None,
    is_test: bool = False,
    answering_machine: AnsweringMachineMode | None = None,
) -> Call:
    """An outbound call from ``number``: checked here (LiveKit, trunk, callee's number), then
    created and dispatched by ``call_outbound_create`` (credits, limits, pipeline)."""
    if number.workspace_id != workspace.pk:
        raise CallRejected("unknown_number", "This number belongs to another workspace.")
    if not settings.LIVEKIT_ENABLED:
        raise LiveKitNotConfigured(
            "Outbound calls need a LiveKit server with SIP; none is configured "
            "(LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET)."
        )
    trunk = number.trunk
    if trunk is None or not trunk.carries_outbound:
        raise CallRejected(
            "no_outbound_trunk",
            f"The number {number.e164} has no outbound trunk: attach it to a trunk that "
            "places outbound calls.",
        )
    callee = normalize_e164(to_number) if to_number.strip().startswith("+") else ""
    try:
        validate_e164(callee)
    except ValidationError:
        raise CallRejected(
            "bad_number",
            f"{to_number!r} is not a phone number in E.164 form (e.g. +15550100).",
        ) from None
    return call_outbound_create(
        number=number,
        to_number=callee,
        is_test=is_test,
        variables=variables,
        answering_machine=answering_machine,
    )
