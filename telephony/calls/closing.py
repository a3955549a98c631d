"""Closing calls that their worker did not close: from LiveKit webhooks and the reaper."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from telephony.calls.billing import call_close_bill
from telephony.models import Call, CallChannel, CallEndReason, CallStatus
from telephony.recordings.services import recording_store_spooled
from telephony.services import call_end

logger = logging.getLogger(__name__)


def call_close_and_bill(*, call: Call, reason: CallEndReason, at: datetime | None = None) -> Call:
    """Ends the call if it is still open, and bills its closing report (idempotent)."""
    with transaction.atomic():
        call = call_end(call=call, reason=reason, at=at)
        call_close_bill(call=call)
    # What the dead worker had recorded until then is in the spool.
    recording_store_spooled(call=call)
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
    candidates = (
        Call.objects.select_related("number")
        .exclude(status=CallStatus.ENDED)
        .exclude(channel=CallChannel.BROWSER_CHAT)
    )
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


def abandoned_chat_tests(*, now: datetime) -> list[Call]:
    """Chat tests still open long after any test panel would be: their web process went
    away without closing them (a chat test has no room for LiveKit to vouch for)."""
    return list(
        Call.objects.filter(
            channel=CallChannel.BROWSER_CHAT,
            created_at__lt=now - timedelta(seconds=settings.CHAT_TEST_MAX_AGE_S),
        ).exclude(status=CallStatus.ENDED)
    )


def reap(*, live_rooms: set[str] | None) -> int:
    """Closes and bills every stale call, and closes abandoned chat tests (their usage was
    billed turn by turn; a chat has no call time); returns how many."""
    now = timezone.now()
    calls = stale_calls(now=now, live_rooms=live_rooms)
    for call in calls:
        logger.warning("closing stale call %s in room %s", call.pk, call.room_name)
        call_close_and_bill(call=call, reason=CallEndReason.WORKER_LOST, at=now)
    chats = abandoned_chat_tests(now=now)
    for call in chats:
        call_end(call=call, reason=CallEndReason.WORKER_LOST, at=now)
    return len(calls) + len(chats)
