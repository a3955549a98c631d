"""The dialer's beat: every few seconds each running campaign gets a tick of its own."""

from __future__ import annotations

import threading

from celery import shared_task

from campaigns.models import Campaign, CampaignStatus

# Where tasks run inline (no broker), a tick that frees a line asks for another from inside
# the first: it is run after the first returns instead of nesting ever deeper.
_inline = threading.local()


@shared_task(name="campaigns.dial_due")
def dial_due() -> int:
    """Schedules a tick for every running campaign; the number scheduled."""
    ids = list(Campaign.objects.filter(status=CampaignStatus.RUNNING).values_list("pk", flat=True))
    for campaign_id in ids:
        campaign_tick_task.delay(campaign_id)
    return len(ids)


@shared_task(name="campaigns.tick")
def campaign_tick_task(campaign_id: int) -> int:
    """Places the campaign's due calls; how many were placed."""
    from campaigns.services import campaign_tick

    pending: set[int] | None = getattr(_inline, "pending", None)
    if pending is not None:
        pending.add(campaign_id)
        return 0
    _inline.pending = pending = {campaign_id}
    placed = 0
    try:
        while pending:
            placed += campaign_tick(campaign_id=pending.pop()).placed
    finally:
        _inline.pending = None
    return placed
