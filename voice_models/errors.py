"""Error codes of the voice models app."""

from enum import StrEnum


class VoiceModelErrorCode(StrEnum):
    PROVIDER_KIND = "provider_cannot_do_kind"
    NAME_TAKEN = "name_taken"
    CONNECTION_FAILED = "connection_failed"
    NOT_A_LANGUAGE_MODEL = "not_a_language_model"
    BASE_URL_REFUSED = "base_url_refused"
    KEY_REQUIRED_FOR_NEW_HOST = "api_key_required_for_new_host"
