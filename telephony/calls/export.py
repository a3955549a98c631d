"""The calls list as CSV: one row per call, with its analysis (summary, outcome, and one
column per extracted field, named ``field:<name>``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from telephony.calls.history import call_analysis, call_pipeline
from telephony.models import Call

BASE_COLUMNS = [
    "id",
    "created_at",
    "direction",
    "status",
    "end_reason",
    "from_number",
    "to_number",
    "pipeline",
    "pipeline_version",
    "is_test",
    "duration_s",
    "analysis_status",
    "outcome",
    "summary",
]
MAX_ROWS = 50_000


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    text = str(value)
    # A spreadsheet runs a cell that starts with these as a formula (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def calls_csv(calls: Iterable[Call]) -> str:
    rows = []
    field_names: set[str] = set()
    for call in calls:
        analysis = call_analysis(call)
        _pipeline_id, pipeline_name, version = call_pipeline(call)
        fields = analysis.fields if analysis else {}
        field_names.update(fields)
        rows.append(
            {
                "id": call.pk,
                "created_at": call.created_at.isoformat(),
                "direction": call.direction,
                "status": call.status,
                "end_reason": call.end_reason,
                "from_number": call.from_number,
                "to_number": call.to_number,
                "pipeline": pipeline_name,
                "pipeline_version": version,
                "is_test": call.is_test,
                "duration_s": call.duration_s,
                "analysis_status": analysis.status if analysis else None,
                "outcome": analysis.outcome if analysis else None,
                "summary": (analysis.summary or analysis.error) if analysis else None,
                **{f"field:{name}": value for name, value in fields.items()},
            }
        )
    columns = BASE_COLUMNS + [f"field:{name}" for name in sorted(field_names)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({column: _cell(row.get(column)) for column in columns})
    return buffer.getvalue()
