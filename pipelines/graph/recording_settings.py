"""Call recording, as a pipeline's settings declare it (a number can turn it on as well)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_CONSENT_LINE = "This call is recorded for quality and training purposes."


class RecordingSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    enabled: bool = Field(False, title="Record calls")
    # Said before the greeting, so a caller hears it before anything is asked of them.
    consent_line: str = Field(DEFAULT_CONSENT_LINE, title="Consent line", max_length=300)
