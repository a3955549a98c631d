"""LiveKit's webhooks: signature-checked, they close calls whose worker is gone."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from livekit import api

from betool.errors import error_body
from telephony.closing import call_close_and_bill, open_calls_in_room
from telephony.errors import TelephonyErrorCode
from telephony.models import CallEndReason

logger = logging.getLogger(__name__)


def _receiver() -> api.WebhookReceiver:
    return api.WebhookReceiver(
        api.TokenVerifier(settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET)
    )


@csrf_exempt
@require_POST
def livekit_webhook(request: HttpRequest) -> JsonResponse:
    """LiveKit signs each webhook with a JWT (its API secret) carrying the body's SHA-256."""
    if not settings.LIVEKIT_ENABLED:
        body = error_body(TelephonyErrorCode.LIVEKIT_DISABLED, "LiveKit is not configured.")
        return JsonResponse(body, status=404)
    try:
        event = _receiver().receive(request.body.decode(), request.headers.get("Authorization", ""))
    except Exception:
        logger.warning("refused a LiveKit webhook with a bad signature")
        body = error_body(TelephonyErrorCode.BAD_SIGNATURE, "The webhook signature is not valid.")
        return JsonResponse(body, status=401)
    closed = 0
    if event.event == "room_finished":
        # The worker closes its call before the room ends; an open call here lost its worker.
        for call in open_calls_in_room(room_name=event.room.name):
            call_close_and_bill(call=call, reason=CallEndReason.WORKER_LOST)
            closed += 1
    return JsonResponse({"event": event.event, "closed_calls": closed})
