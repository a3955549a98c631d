"""Telephony API: trunks, numbers, calls (see the telephony issue)."""

from ninja import Router

from telephony.calls.api import router as calls_router
from telephony.provisioning.api import router as numbers_router
from telephony.recordings.api import router as recordings_router
from telephony.test_calls.voice_api import router as voice_test_router

router = Router(tags=["telephony"])
router.add_router("", voice_test_router)
# Before calls_router: its GET /calls/{call_id} would otherwise take /calls/outbound.
router.add_router("", numbers_router)
router.add_router("", calls_router)
router.add_router("", recordings_router)
