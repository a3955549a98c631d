"""Writes of telephony: a call's life (start, status changes, end), its turns and events.

The voice worker calls these off its per-turn path, through its batched writer; live
notifications go out after the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from betool.models import Workspace
from betool.webhooks.events import EventType
from pipelines.models import PipelineVersion
from telephony.after_call.analysis import call_analysis_request
from telephony.after_call.http_requests import after_call_requests_schedule
from telephony.calls.end_hooks import call_end_listeners_run
from telephony.events.monitor import notify_call_on_commit
from telephony.events.webhooks import call_webhook_emit
from telephony.models import (
    STATUS_TIMESTAMP,
    AnsweredBy,
    AnsweringMachineMode,
    Call,
    CallChannel,
    CallDirection,
    CallEndReason,
    CallEvent,
    CallEventKind,
    CallStatus,
    CallTurn,
    PhoneNumber,
    Trunk,
)
from telephony.selectors import (
    CallRejected,
    CallSetup,
    active_call_count,
    number_refusal_at_limit,
    number_version,
    refuse_without_credits,
    trunk_active_call_count,
)


def _notify(call: Call, kind: str, **data: Any) -> None:
    notify_call_on_commit(
        workspace_id=call.workspace_id,
        payload={"call_id": call.pk, "kind": kind, "status": call.status, **data},
    )


@transaction.atomic
def call_start(
    *,
    workspace: Workspace,
    room_name: str,
    direction: CallDirection = CallDirection.INBOUND,
    from_number: str = "",
    to_number: str = "",
    number: PhoneNumber | None = None,
    pipeline_version: PipelineVersion | None = None,
    is_test: bool = False,
    status: CallStatus = CallStatus.RINGING,
    at: datetime | None = None,
    channel: CallChannel = CallChannel.PHONE,
    pipeline_id: int | None = None,
    started_by: Any = None,
) -> Call:
    """``pipeline_id`` names what a browser test of the draft runs (it has no version);
    ``started_by`` is the member who ran a browser test."""
    at = at or timezone.now()
    call = Call(
        workspace=workspace,
        direction=direction,
        from_number=from_number,
        to_number=to_number,
        number=number,
        pipeline_version=pipeline_version,
        room_name=room_name,
        is_test=is_test,
        channel=channel,
        pipeline_id=pipeline_id,
        started_by=started_by,
        status=status,
        created_at=at,
        ringing_at=at,
    )
    if status != CallStatus.RINGING:
        setattr(call, STATUS_TIMESTAMP[status], at)
    call.save()
    CallEvent.objects.create(
        call=call, kind=CallEventKind.LIFECYCLE, name="started", data={}, occurred_at=at
    )
    _notify(call, "started")
    call_webhook_emit(call=call, event=EventType.CALL_STARTED)
    return call


def _admit_under_limits(*, workspace: Workspace, number: PhoneNumber | None) -> None:
    """Refuses a new call over the workspace's, the number's or the trunk's limit, or without
    credits.

    Runs inside the transaction that creates the call: the workspace's row is locked, then
    the trunk's, so simultaneous admissions count and insert one after the other (a count
    then an insert without the lock let 3 of 4 calls onto a trunk of 2). Every admission
    takes the locks in that order, so two never wait on each other.
    """
    locked = Workspace.objects.select_for_update().get(pk=workspace.pk)
    refuse_without_credits(workspace=locked)
    if active_call_count(workspace=locked) >= locked.max_concurrent_calls:
        raise CallRejected(
            "too_many_calls",
            f"The workspace already has {locked.max_concurrent_calls} calls in progress.",
        )
    if number is None:
        return
    # The number is the workspace's: its count is serialized by the workspace's lock.
    if (refusal := number_refusal_at_limit(number=number)) is not None:
        raise refusal
    trunk = number.trunk
    if trunk is None:
        return
    locked_trunk = Trunk.objects.select_for_update().get(pk=trunk.pk)
    if trunk_active_call_count(trunk=locked_trunk) >= locked_trunk.max_concurrent_calls:
        raise CallRejected(
            "trunk_busy",
            f"The trunk {locked_trunk.name} already carries its maximum of "
            f"{locked_trunk.max_concurrent_calls} calls.",
        )


@transaction.atomic
def call_admit(
    *,
    setup: CallSetup,
    room_name: str,
    from_number: str = "",
    is_test: bool = False,
    answered: bool = False,
    at: datetime | None = None,
) -> Call:
    """A new inbound call on ``setup``'s number, admitted atomically under the limits.

    Raises :class:`CallRejected` (``too_many_calls``, ``number_busy``, ``trunk_busy``,
    ``no_credits``); the
    worker then refuses the call at the SIP level, before it is answered. ``answered`` is for
    a caller who is on the line already (not over SIP): the call is connected at once,
    otherwise it rings until the SIP answer.
    """
    number = setup.number
    _admit_under_limits(workspace=setup.workspace, number=number)
    return call_start(
        workspace=setup.workspace,
        room_name=room_name,
        direction=CallDirection.INBOUND,
        from_number=from_number,
        to_number=number.e164 if number else "",
        number=number,
        pipeline_version=setup.version,
        is_test=is_test,
        status=CallStatus.CONNECTED if answered else CallStatus.RINGING,
        at=at,
    )


@transaction.atomic
def call_refuse(
    *,
    number: PhoneNumber,
    room_name: str,
    reason: str,
    message: str,
    from_number: str = "",
    at: datetime | None = None,
) -> Call:
    """The record of an inbound call on ``number`` that was refused (over a limit, out of
    credit, no pipeline to answer with): ended at once, never connected, billed nothing."""
    at = at or timezone.now()
    call = Call.objects.create(
        workspace=number.workspace,
        direction=CallDirection.INBOUND,
        from_number=from_number,
        to_number=number.e164,
        number=number,
        room_name=room_name,
        status=CallStatus.ENDED,
        end_reason=CallEndReason.REFUSED,
        refusal_reason=reason[:32],
        usage={"call_seconds": 0.0},
        created_at=at,
        ringing_at=at,
        ended_at=at,
    )
    CallEvent.objects.create(
        call=call,
        kind=CallEventKind.LIFECYCLE,
        name="refused",
        data={"reason": reason, "message": message},
        occurred_at=at,
    )
    _notify(call, "ended", reason=CallEndReason.REFUSED)
    return call


def call_transfer_summary_record(*, call: Call, summary: str) -> None:
    """Keep the summary a warm transfer spoke to the person taking the call."""
    Call.objects.filter(pk=call.pk).update(transfer_summary=summary)


def call_answered_by_record(
    *, call: Call, answered_by: AnsweredBy, evidence: dict[str, Any]
) -> None:
    """Keep who took an outbound call (person, voicemail, unknown) and why it was judged so;
    the call's trace shows it as an event."""
    Call.objects.filter(pk=call.pk).update(answered_by=answered_by, answered_by_evidence=evidence)
    call_event_record(call=call, kind=CallEventKind.ACTION, name="answered_by", data=evidence)


@transaction.atomic
def call_set_status(*, call: Call, status: CallStatus, at: datetime | None = None) -> Call:
    """Move a call to ``status``; an ended call stays ended. Each state's time is kept once."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.status == CallStatus.ENDED or call.status == status:
        return call
    at = at or timezone.now()
    call.status = status
    fields = ["status"]
    stamp = STATUS_TIMESTAMP[status]
    if getattr(call, stamp) is None or status == CallStatus.ON_HOLD:
        setattr(call, stamp, at)
        fields.append(stamp)
    call.save(update_fields=fields)
    CallEvent.objects.create(
        call=call, kind=CallEventKind.LIFECYCLE, name=status, data={}, occurred_at=at
    )
    _notify(call, "status")
    return call


@transaction.atomic
def call_end(
    *,
    call: Call,
    reason: CallEndReason,
    usage: dict[str, Any] | None = None,
    transfer_target: str = "",
    variables: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Call:
    """End a call once: a second end (the worker and a webhook both report it) changes nothing
    but may add the usage summary (and the final variables) if the first had none."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    fields: list[str] = []
    if usage and not call.usage:
        call.usage = usage
        fields.append("usage")
    if variables and not call.variables:
        call.variables = variables
        fields.append("variables")
    if call.status != CallStatus.ENDED:
        at = at or timezone.now()
        call.status = CallStatus.ENDED
        call.end_reason = reason
        call.ended_at = at
        fields += ["status", "end_reason", "ended_at"]
        if reason == CallEndReason.TRANSFERRED and call.transferred_at is None:
            call.transferred_at = at
            fields.append("transferred_at")
        if transfer_target:
            call.transfer_target = transfer_target
            fields.append("transfer_target")
        CallEvent.objects.create(
            call=call,
            kind=CallEventKind.LIFECYCLE,
            name="ended",
            data={"reason": reason},
            occurred_at=at,
        )
        _notify(call, "ended", reason=reason)
    if fields:
        call.save(update_fields=fields)
    if "ended_at" in fields:
        call_end_listeners_run(call)
        call_webhook_emit(call=call, event=EventType.CALL_ENDED)
        if call_analysis_request(call=call) is None:
            after_call_requests_schedule(call=call)
    return call


def call_turn_record(
    *,
    call: Call,
    sequence: int,
    user_text: str,
    agent_text: str,
    started_at: datetime,
    latencies: dict[str, Any] | None = None,
    trace: dict[str, Any] | None = None,
    interrupted: bool = False,
    reason: str = "",
    fallback: bool = False,
) -> CallTurn:
    """Record a turn; the same (call, sequence) written twice keeps the latest content."""
    defaults = {
        "user_text": user_text,
        "agent_text": agent_text,
        "started_at": started_at,
        "latencies": latencies or {},
        "trace": trace or {},
        "interrupted": interrupted,
        "reason": reason,
        "fallback": fallback,
    }
    try:
        with transaction.atomic():
            turn, _ = CallTurn.objects.update_or_create(
                call=call, sequence=sequence, defaults=defaults
            )
    except IntegrityError:  # a concurrent writer created it first
        turn = CallTurn.objects.get(call=call, sequence=sequence)
        for name, value in defaults.items():
            setattr(turn, name, value)
        turn.save()
    _notify(call, "turn", sequence=sequence, user_text=user_text, agent_text=agent_text)
    return turn


def call_event_record(
    *,
    call: Call,
    kind: CallEventKind,
    name: str,
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> CallEvent:
    event = CallEvent.objects.create(
        call=call,
        kind=kind,
        name=name,
        data=data or {},
        occurred_at=occurred_at or timezone.now(),
    )
    _notify(call, "event", event_kind=kind, name=name, data=data or {})
    return event


def _dispatch_after_commit(*, room_name: str, metadata: dict[str, Any]) -> None:
    from asgiref.sync import async_to_sync

    from telephony.provisioning.dispatch import dispatch_agent

    def send() -> None:
        try:
            async_to_sync(dispatch_agent)(room_name=room_name, metadata=metadata)
        # The call is committed: whatever stops its dispatch ends it as an error, recorded on
        # it, and is never raised into the request that placed it.
        except Exception as exc:  # noqa: BLE001
            call = Call.objects.filter(pk=int(metadata["call_id"])).first()
            if call is not None:
                call_event_record(
                    call=call, kind=CallEventKind.ERROR, name="dispatch_failed",
                    data={"error": str(exc)[:500]},
                )  # fmt: skip
                call_end(call=call, reason=CallEndReason.ERROR)

    transaction.on_commit(send)


@transaction.atomic
def call_outbound_create(
    *,
    number: PhoneNumber,
    to_number: str,
    is_test: bool = False,
    variables: dict[str, Any] | None = None,
    version: PipelineVersion | None = None,
    answering_machine: AnsweringMachineMode | None = None,
) -> Call:
    """An outbound call from ``number`` to ``to_number``: the Call is created ringing, and
    after the commit the worker is dispatched to dial it (it records the outcome).
    ``variables`` and the ``answering_machine`` mode (None: detect when the pipeline has a
    voicemail branch) travel in the dispatch metadata. ``version`` is what the call runs (a
    campaign's pipeline); None: what the number answers with."""
    import uuid

    from telephony.selectors import normalize_e164

    workspace = number.workspace
    if not number.enabled:
        raise CallRejected("number_disabled", f"The number {number.e164} is disabled.")
    refuse_without_credits(workspace=workspace)
    if version is None and number.pipeline_id is None:
        raise CallRejected("no_pipeline", f"The number {number.e164} has no pipeline.")
    version = version or number_version(number=number)
    if version is None:
        raise CallRejected("not_published", f"The pipeline of {number.e164} is not published.")
    callee = normalize_e164(to_number)
    if not callee:
        raise CallRejected("bad_number", f"{to_number!r} is not a phone number.")
    _admit_under_limits(workspace=workspace, number=number)
    call = call_start(
        workspace=workspace,
        room_name=f"call-out-{uuid.uuid4().hex[:12]}",
        direction=CallDirection.OUTBOUND,
        from_number=number.e164,
        to_number=callee,
        number=number,
        pipeline_version=version,
        is_test=is_test,
    )
    metadata: dict[str, Any] = {"call_id": call.pk}
    if variables:
        metadata["variables"] = variables
    if answering_machine is not None:
        metadata["answering_machine"] = str(answering_machine)
    _dispatch_after_commit(room_name=call.room_name, metadata=metadata)
    return call


@dataclass(frozen=True)
class VoiceTestSession:
    """What the browser needs to talk to the pipeline: the server, the room, its token."""

    url: str
    room: str
    token: str
    call: Call


@transaction.atomic
def voice_test_start(
    *, workspace: Workspace, user: Any, pipeline: Any, version_number: int | None = None
) -> VoiceTestSession:
    """A browser voice test: a test Call (the draft, or a published version), a LiveKit
    token for the tester, and the worker dispatched after the commit. Metered as test usage."""
    import uuid

    from django.conf import settings
    from livekit import api

    from telephony.provisioning.dispatch import LiveKitNotConfigured

    if not settings.LIVEKIT_ENABLED:
        raise LiveKitNotConfigured("Voice tests need a LiveKit server; none is configured.")
    refuse_without_credits(workspace=workspace)
    version = None
    if version_number is not None:
        version = pipeline.versions.filter(number=version_number).first()
        if version is None:
            raise CallRejected("unknown_version", f"Version {version_number} does not exist.")
    room = f"test-{uuid.uuid4().hex[:12]}"
    call = call_start(
        workspace=workspace,
        room_name=room,
        from_number=f"browser:{getattr(user, 'username', '')}"[:40],
        pipeline_version=version,
        is_test=True,
        channel=CallChannel.BROWSER_VOICE,
        pipeline_id=pipeline.pk,
        started_by=user,
    )
    token = (
        api.AccessToken(settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET)
        .with_identity(f"tester-{getattr(user, 'pk', 0)}-{uuid.uuid4().hex[:6]}")
        .with_name(str(getattr(user, "username", "tester")))
        .with_grants(api.VideoGrants(room_join=True, room=room))
        .to_jwt()
    )
    _dispatch_after_commit(room_name=room, metadata={"call_id": call.pk})
    return VoiceTestSession(url=settings.LIVEKIT_URL, room=room, token=token, call=call)
