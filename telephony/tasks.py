"""Periodic telephony work (Celery beat)."""

from __future__ import annotations

import asyncio
import logging

from celery import shared_task
from django.conf import settings

from telephony.closing import reap

logger = logging.getLogger(__name__)


def _live_rooms() -> set[str] | None:
    """The rooms LiveKit has now, or None when it cannot be asked (then only age counts)."""
    if not settings.LIVEKIT_ENABLED:
        return None
    from livekit import api

    async def rooms() -> set[str]:
        lkapi = api.LiveKitAPI(
            settings.LIVEKIT_URL, settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET
        )
        try:
            listing = await asyncio.wait_for(lkapi.room.list_rooms(api.ListRoomsRequest()), 10)
            return {room.name for room in listing.rooms}
        finally:
            await lkapi.aclose()

    try:
        return asyncio.run(rooms())
    except Exception:
        logger.warning("LiveKit could not list its rooms; reaping by age only", exc_info=True)
        return None


@shared_task(name="telephony.reap_stale_calls")
def reap_stale_calls() -> int:
    """Closes and bills the calls whose worker died without closing them."""
    return reap(live_rooms=_live_rooms())
