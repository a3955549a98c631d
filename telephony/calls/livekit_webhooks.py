"""LiveKit's webhooks: signature-checked, they close calls whose worker is gone."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from livekit import api

from betool.errors import error_body
from telephony.calls.closing import calls_in_room_close
from telephony.errors import TelephonyErrorCode

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
    # livekit-api refuses a bad body hash with a bare Exception (and a bad token with jwt's
    # errors): whatever the verification raises, the webhook is refused.
    except Exception:  # noqa: BLE001
        logger.warning("refused a LiveKit webhook with a bad signature")
        body = error_body(TelephonyErrorCode.BAD_SIGNATURE, "The webhook signature is not valid.")
        return JsonResponse(body, status=401)
    closed = 0
    if event.event == "room_finished":
        # The worker closes its call before the room ends; an open call here lost its worker.
        closed = calls_in_room_close(room_name=event.room.name)
    elif event.event == "participant_left" and _is_agent(event.participant):
        # The agent left a room whose call is still open: its worker died with it (a worker
        # ends its call before it leaves). The caller's leg is ended at once, not by the reaper.
        closed = calls_in_room_close(room_name=event.room.name)
        if closed:
            transaction.on_commit(lambda: _delete_room(event.room.name))
    return JsonResponse({"event": event.event, "closed_calls": closed})


def _is_agent(participant: api.ParticipantInfo) -> bool:
    return participant.kind == api.ParticipantInfo.Kind.AGENT


def _delete_room(room_name: str) -> None:
    from telephony.provisioning.livekit import _run

    async def delete(lk: api.LiveKitAPI) -> None:
        await lk.room.delete_room(api.DeleteRoomRequest(room=room_name))

    try:
        _run(delete)
    except Exception:
        logger.info("room %s was already gone", room_name, exc_info=True)
