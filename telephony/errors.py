"""Error codes of the telephony app."""

from enum import StrEnum


class TelephonyErrorCode(StrEnum):
    LIVEKIT_DISABLED = "livekit_disabled"
    BAD_SIGNATURE = "bad_signature"
    NO_CREDITS = "no_credits"
    INVALID_NUMBER = "invalid_number"
    CONCURRENCY_LIMIT = "concurrency_limit"
    NUMBER_NOT_READY = "number_not_ready"
