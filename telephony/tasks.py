"""Periodic telephony work (Celery beat)."""

from __future__ import annotations

import asyncio
import logging

from celery import shared_task
from django.conf import settings

from telephony.calls.closing import reap

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


@shared_task(name="telephony.sync_trunk_to_livekit")
def sync_trunk_to_livekit(trunk_id: int) -> str:
    """Writes a trunk to LiveKit; the outcome is recorded on the trunk."""
    from telephony.provisioning.livekit import sync_trunk

    trunk = sync_trunk(trunk_id)
    return trunk.sync_status if trunk is not None else "gone"


@shared_task(name="telephony.sync_number_to_livekit")
def sync_number_to_livekit(number_id: int, trunk_ids: list[int] | None = None) -> str:
    """Writes the trunks whose numbers changed, then the number's dispatch rule."""
    from telephony.provisioning.livekit import sync_number, sync_trunk

    for trunk_id in trunk_ids or []:
        sync_trunk(trunk_id)
    number = sync_number(number_id)
    return number.sync_status if number is not None else "gone"


@shared_task(name="telephony.delete_from_livekit")
def delete_from_livekit_task(trunk_ids: list[str], rule_ids: list[str]) -> None:
    """Removes LiveKit objects whose records were deleted (a failure is left to the
    reconciliation, which deletes betool's orphans)."""
    from telephony.provisioning.livekit import delete_from_livekit

    try:
        delete_from_livekit(trunk_ids=trunk_ids, rule_ids=rule_ids)
    except Exception:
        logger.warning("LiveKit objects %s were not deleted", trunk_ids + rule_ids, exc_info=True)


@shared_task(name="telephony.reconcile_livekit")
def reconcile_livekit() -> dict[str, object]:
    """Repairs drift between the database and LiveKit's trunks and dispatch rules."""
    from telephony.provisioning.livekit import reconcile

    if not settings.LIVEKIT_ENABLED:
        return {"skipped": "LiveKit is not configured"}
    return reconcile().as_dict()


@shared_task(name="telephony.analyze_call")
def analyze_call(call_id: int) -> str:
    """After a call: its analysis by a language model (see ``telephony.after_call.analysis``)."""
    from telephony.after_call.analysis import call_analysis_run

    analysis = call_analysis_run(call_id=call_id)
    return analysis.status if analysis is not None else "nothing pending"


@shared_task(name="telephony.after_call_requests")
def after_call_requests(call_id: int) -> int:
    """After a call (and its analysis): the graph's HTTP requests marked "after the call"."""
    from telephony.after_call.http_requests import after_call_requests_run

    return len(after_call_requests_run(call_id=call_id))


@shared_task(name="telephony.recordings_retention")
def recordings_retention() -> int:
    """Deletes the recordings and transcripts that their workspace keeps no longer."""
    from telephony.recordings.services import retention_apply

    result = retention_apply()
    if result.calls:
        logger.info(
            "retention: %s call(s) in %s workspace(s), %s recording(s) deleted",
            result.calls,
            result.workspaces,
            result.recordings,
        )
    return result.calls
