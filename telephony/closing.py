"""Closing calls that their worker did not close: from LiveKit webhooks and the reaper."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from telephony.billing import call_close_bill
from telephony.models import Call, CallEndReason, CallStatus
from telephony.services import call_end

logger = logging.getLogger(__name__)


def call_close_and_bill(*, call: Call, reason: CallEndReason, at: datetime | None = None) -> Call:
    """Ends the call if it is still open, and bills its closing report (idempotent)."""
    with transaction.atomic():
        call = call_end(call=call, reason=reason, at=at)
        call_close_bill(call=call)
    return call


def calls_in_room_close(
    *, room_name: str, reason: CallEndReason = CallEndReason.WORKER_LOST, at: datetime | None = None
) -> int:
    """Closes and bills the open calls of a room whose worker is gone; returns how many."""
    calls = open_calls_in_room(room_name=room_name)
    for call in calls:
        call_close_and_bill(call=call, reason=reason, at=at)
    return len(calls)


def open_calls_in_room(*, room_name: str) -> list[Call]:
    return list(
        Call.objects.select_related("workspace", "number__asr_model", "number__tts_model")
        .filter(room_name=room_name)
        .exclude(status=CallStatus.ENDED)
    )


def stale_calls(*, now: datetime, live_rooms: set[str] | None) -> list[Call]:
    """Open calls whose room is gone (when LiveKit can be asked), or that outlived their
    number's maximum duration by the grace period."""
    candidates = Call.objects.select_related("number").exclude(status=CallStatus.ENDED)
    grace = timedelta(seconds=settings.CALL_REAPER_GRACE_S)
    stale = []
    for call in candidates:
        limit_s = call.number.max_call_duration_s if call.number else 3600
        outlived = call.created_at + timedelta(seconds=limit_s) + grace < now
        # A new call's room may not be listed yet: only rooms older than the grace are judged.
        room_gone = (
            live_rooms is not None
            and call.room_name not in live_rooms
            and call.created_at + grace < now
        )
        if outlived or room_gone:
            stale.append(call)
    return stale


def reap(*, live_rooms: set[str] | None) -> int:
    """Closes and bills every stale call; returns how many."""
    now = timezone.now()
    calls = stale_calls(now=now, live_rooms=live_rooms)
    for call in calls:
        logger.warning("closing stale call %s in room %s", call.pk, call.room_name)
        call_close_and_bill(call=call, reason=CallEndReason.WORKER_LOST, at=now)
    return len(calls)
