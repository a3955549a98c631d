"""The contacts' validation report: every rejected row listed with its reason."""

from __future__ import annotations

import pytest

from campaigns.contacts_import import (
    ImportInvalid,
    pipeline_contact_variables,
    rows_from_csv,
    validate_rows,
)
from tests.campaign_graphs import REMINDER_GRAPH

CSV = """number,first_name,appointment,time_zone
+1 (212) 555-0100,Ada,Monday 10:00,
+33 6 12 34 56 78,Blaise,Tuesday 11:00,
12345,Carl,Friday,
+12125550100,Ada again,Monday,
+12125550111,,Monday,
+12125550122,Dora,Monday,Mars/Olympus
+12125550133,Emmy,Monday,Europe/Berlin
+12125550144,Fritz,Monday,

"""


def _report(text: str, *, do_not_call: set[str] | None = None) -> dict[str, object]:
    report = validate_rows(
        rows_from_csv(text),
        required_variables=pipeline_contact_variables(REMINDER_GRAPH),
        do_not_call=do_not_call or set(),
        existing=set(),
        known_zone=lambda name: name in {"Europe/Berlin", "UTC"},
        default_time_zone="UTC",
    )
    return {
        "accepted": [(c.row, c.e164, c.time_zone) for c in report.accepted],
        "rejected": [(r.row, r.reason) for r in report.rejected],
        "report": report.as_dict(),
    }


def test_the_variables_a_contact_must_give_are_the_declared_ones_the_templates_read() -> None:
    assert pipeline_contact_variables(REMINDER_GRAPH) == ["appointment", "first_name"]
    assert pipeline_contact_variables({}) == []


def test_each_bad_row_is_rejected_with_its_reason_and_the_rest_are_normalised() -> None:
    result = _report(CSV, do_not_call={"+12125550144"})
    assert result["accepted"] == [
        (1, "+12125550100", "America/New_York"),
        (2, "+33612345678", "Europe/Paris"),
        (7, "+12125550133", "Europe/Berlin"),
    ]
    assert result["rejected"] == [
        (3, "bad_number"),
        (4, "duplicate"),
        (5, "missing_variables"),
        (6, "bad_time_zone"),
        (8, "do_not_call"),
    ]
    report = result["report"]
    assert isinstance(report, dict)
    assert report["total_rows"] == 8
    messages = {row["row"]: row["message"] for row in report["rejected"]}
    assert "no country code" in messages[3]
    assert "already on row 1" in messages[4]
    assert "first_name" in messages[5]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("name,first_name\nAda,Ada\n", "No number column"),
        ("number,first name\n+12125550100,Ada\n", "not a variable name"),
        ("number,call_id\n+12125550100,1\n", "each call sets itself"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(text: str, problem: str) -> None:
    with pytest.raises(ImportInvalid, match=problem):
        rows_from_csv(text)


def test_semicolon_separated_files_are_read_too() -> None:
    rows = rows_from_csv("phone;first_name;appointment\n+12125550100;Ada;Monday\n")
    assert [(r.number, r.variables) for r in rows] == [
        ("+12125550100", {"first_name": "Ada", "appointment": "Monday"})
    ]
