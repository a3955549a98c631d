"""Outbound calls: the worker dials the callee with ``create_sip_participant``.

The dispatch metadata names a Call made beforehand (``{"call_id": N}``) whose direction is
outbound. The worker waits until the callee answers; busy, no answer and a refusal are
outcomes recorded on the Call (``end_reason``), not crashes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from google.protobuf.duration_pb2 import Duration
from livekit import api

from pipelines.turn.voice import TransferOutcome
from telephony.livekit_errors import LIVEKIT_API_ERRORS

logger = logging.getLogger("betool.worker")


def ringing_timeout_s() -> int:
    """How long a callee may ring before the call is "no answer" (livekit-sip's own default
    is 3 minutes)."""
    from django.conf import settings

    return max(1, int(settings.VOICE_OUTBOUND_RINGING_S))


@dataclass(frozen=True)
class Dial:
    call_id: int
    to_number: str
    from_number: str
    trunk_id: str

    @property
    def identity(self) -> str:
        return f"sip-callee-{self.call_id}"


def load_dial(call_id: int) -> Dial | None:
    """What to dial for an outbound Call (None for an inbound one)."""
    from telephony.models import CallDirection, CallStatus
    from telephony.selectors import call_get

    call = call_get(call_id=call_id)
    if call is None or call.direction != CallDirection.OUTBOUND:
        return None
    if call.status == CallStatus.ENDED:
        return None
    trunk = call.number.trunk if call.number is not None else None
    return Dial(
        call_id=call.pk,
        to_number=call.to_number,
        from_number=call.from_number or (call.number.e164 if call.number else ""),
        trunk_id=trunk.livekit_outbound_trunk_id if trunk is not None else "",
    )


def failure_reason(error: BaseException) -> str:
    """A SIP failure as a Call end reason: busy, no answer, rejected, or error."""
    from telephony.models import CallEndReason

    status = 0
    metadata: dict[str, Any] = getattr(error, "metadata", None) or {}
    for key in ("sip_status_code", "sip_status"):
        try:
            status = int(metadata.get(key, 0))
        except (TypeError, ValueError):
            status = 0
        if status:
            break
    if status == 486 or status == 600:
        return CallEndReason.BUSY
    if status in (408, 480, 487):
        return CallEndReason.NO_ANSWER
    if status in (403, 603):
        return CallEndReason.REJECTED
    text = str(error).lower()
    if "busy" in text:
        return CallEndReason.BUSY
    if "no answer" in text or "timeout" in text or "timed out" in text:
        return CallEndReason.NO_ANSWER
    return CallEndReason.ERROR


def transfer_outcome(error: BaseException) -> TransferOutcome:
    """A failed REFER or dial as the Transfer node's outcome (the SIP answer it got)."""
    from telephony.models import CallEndReason

    outcomes: dict[str, TransferOutcome] = {
        CallEndReason.BUSY: "busy",
        CallEndReason.NO_ANSWER: "no_answer",
        CallEndReason.REJECTED: "declined",
    }
    return outcomes.get(failure_reason(error), "failed")


async def dial(lk: api.LiveKitAPI, *, room_name: str, target: Dial) -> str | None:
    """Dial and wait for the answer; returns None when answered, else the end reason."""
    from django.conf import settings

    if settings.VOICE_OUTBOUND_DIALER == "room":
        logger.info("call %s: waiting for the callee to join the room", target.call_id)
        return None
    if not target.trunk_id:
        logger.warning("call %s has no outbound trunk to dial with", target.call_id)
        from telephony.models import CallEndReason

        return CallEndReason.ERROR
    try:
        await lk.sip.create_sip_participant(
            api.CreateSIPParticipantRequest(
                room_name=room_name,
                sip_trunk_id=target.trunk_id,
                sip_call_to=target.to_number,
                sip_number=target.from_number,
                participant_identity=target.identity,
                participant_name="Callee",
                wait_until_answered=True,
                play_dialtone=False,
                ringing_timeout=Duration(seconds=ringing_timeout_s()),
            )
        )
    except LIVEKIT_API_ERRORS as exc:
        reason = failure_reason(exc)
        logger.info("call %s was not answered: %s (%s)", target.call_id, reason, exc)
        return reason
    return None
