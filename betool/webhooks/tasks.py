"""Celery tasks of webhooks (queue routing matches the ``webhooks.`` prefix)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(name="webhooks.deliver")
def webhook_deliver(delivery_id: int, manual: bool = False) -> str:
    from betool.webhooks.services import delivery_attempt

    delay = delivery_attempt(delivery_id=delivery_id, manual=manual)
    if delay is None:
        return "done"
    # Eagerly run tasks cannot wait; the beat sweep picks the retry up when it is due.
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        webhook_deliver.apply_async((delivery_id,), countdown=delay)
    return f"retry in {delay:g} s"


@shared_task(name="webhooks.deliver_due")
def webhook_deliver_due() -> int:
    """Every minute (beat): retries that are due and were not picked up."""
    from betool.webhooks.services import deliveries_due

    due = deliveries_due()
    for delivery_id in due:
        webhook_deliver.delay(delivery_id)
    return len(due)
