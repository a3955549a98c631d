"""Error codes of flow test suites, as the API returns them."""

from enum import StrEnum


class FlowTestErrorCode(StrEnum):
    SUITE_INVALID = "suite_invalid"
    STALE_SUITE = "stale_suite"
    SUITE_FAILED = "suite_failed"
    UNKNOWN_SCENARIO = "unknown_scenario"
    NO_PATH = "no_path_to_branch"
    VOICE_UNAVAILABLE = "voice_runs_unavailable"
