"""Whether a call is recorded, and what the caller is told first: the number or the
pipeline may turn recording on (both are off by default); either's consent line is said."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from pipelines.graph.recording_settings import DEFAULT_CONSENT_LINE, RecordingSettings


@dataclass(frozen=True, slots=True)
class RecordingPolicy:
    enabled: bool = False
    consent_line: str = ""


NOT_RECORDED = RecordingPolicy()


def pipeline_recording_settings(graph: object) -> RecordingSettings:
    raw = graph.get("settings") if isinstance(graph, dict) else None
    section = raw.get("recording") if isinstance(raw, dict) else None
    try:
        return RecordingSettings.model_validate(section if isinstance(section, dict) else {})
    except ValidationError:  # a broken section was reported at publishing; it records nothing
        return RecordingSettings()


def recording_policy_for(*, number: Any | None, graph: object) -> RecordingPolicy:
    """``number`` is the :class:`~telephony.models.PhoneNumber` called (None for a test)."""
    pipeline = pipeline_recording_settings(graph)
    by_number = bool(number is not None and number.record_calls)
    if not (by_number or pipeline.enabled):
        return NOT_RECORDED
    number_line = number.recording_consent_line.strip() if number is not None and by_number else ""
    pipeline_line = pipeline.consent_line.strip() if pipeline.enabled else ""
    return RecordingPolicy(
        enabled=True, consent_line=number_line or pipeline_line or DEFAULT_CONSENT_LINE
    )
