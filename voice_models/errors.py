"""Error codes of the voice models app."""

from enum import StrEnum


class VoiceModelErrorCode(StrEnum):
    PROVIDER_KIND = "provider_cannot_do_kind"
    NAME_TAKEN = "name_taken"
    CONNECTION_FAILED = "connection_failed"
    NOT_A_LANGUAGE_MODEL = "not_a_language_model"
