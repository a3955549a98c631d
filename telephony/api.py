"""Telephony API: trunks, numbers, calls (see the telephony issue)."""

from ninja import Router

router = Router(tags=["telephony"])
