"""Error codes of the telephony app."""

from enum import StrEnum


class TelephonyErrorCode(StrEnum):
    LIVEKIT_DISABLED = "livekit_disabled"
    BAD_SIGNATURE = "bad_signature"
    NO_CREDITS = "no_credits"
    INVALID_NUMBER = "invalid_number"
    CONCURRENCY_LIMIT = "concurrency_limit"
    NUMBER_NOT_READY = "number_not_ready"
    CALL_NOT_ENDED = "call_not_ended"
    NO_ANALYSIS = "no_analysis"
    CALL_HAS_NO_TURNS = "call_has_no_turns"
    CALL_HAS_NO_PIPELINE = "call_has_no_pipeline"
    NO_RECORDING = "no_recording"
