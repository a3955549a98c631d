"""Reading a campaign's contacts (a CSV file or the API's rows) into a validation report.

Each row is accepted or rejected with its reason: a number that is not a phone number
(normalised to E.164 otherwise), a duplicate, a number on the do-not-call list, a variable
the pipeline's templates read that the row leaves empty, a time zone that is not one.
Nothing is dropped without a line in the report.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import timezone as number_time_zones

from pipelines.graph.validation import analyze_graph
from pipelines.templating import TemplateProblem, template_variables

MAX_ROWS = 50_000
MAX_VARIABLES = 50
MAX_VARIABLE_TEXT = 1000
VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
NUMBER_COLUMNS = ("number", "phone", "phone_number", "e164", "to")
TIME_ZONE_COLUMNS = ("time_zone", "timezone", "tz")
# Variables a call has of its own; a column may not set them.
RESERVED_VARIABLES = frozenset({"call_id", "called_number"})


class ImportInvalid(ValueError):
    """The file as a whole cannot be read (no number column, a bad column name…)."""


@dataclass(frozen=True)
class RowIn:
    row: int  # 1 = the first data row
    number: str
    variables: dict[str, str]
    time_zone: str = ""


@dataclass(frozen=True)
class AcceptedContact:
    row: int
    e164: str
    variables: dict[str, str]
    time_zone: str


@dataclass(frozen=True)
class Rejection:
    row: int
    number: str
    reason: str  # bad_number, duplicate, do_not_call, missing_variables, bad_time_zone, …
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "number": self.number,
            "reason": self.reason,
            "message": self.message,
        }


@dataclass
class ImportReport:
    required_variables: list[str]
    accepted: list[AcceptedContact] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "total_rows": len(self.accepted) + len(self.rejected),
            "accepted": len(self.accepted),
            "rejected": [r.as_dict() for r in self.rejected],
            "required_variables": self.required_variables,
        }


def pipeline_contact_variables(graph: object) -> list[str]:
    """The call-start variables (``settings.input_variables``) that the graph's templates
    read: each contact must give them, or the call would render them empty."""
    analysis = analyze_graph(graph)
    declared = set(analysis.settings.input_variables)
    used: set[str] = set()
    for node in analysis.nodes.values():
        if node.config is None:
            continue
        for ref in node.node_type.templates(node.config):
            try:
                paths = template_variables(ref.source, expression=ref.is_condition)
            except TemplateProblem:
                continue  # validation reports it on the node
            for path in paths:
                root, _, rest = path.partition(".")
                used.add(rest.partition(".")[0] if root == "variables" else root)
    return sorted(declared & used)


def rows_from_csv(text: str) -> list[RowIn]:
    """The data rows of a CSV with a header: a number column, an optional time zone column,
    and one column per variable."""
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), dialect)
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise ImportInvalid("The file is empty: give a header row (number, then variables).")
    names = [cell.strip() for cell in header]
    lowered = [name.lower() for name in names]
    number_at = next((lowered.index(c) for c in NUMBER_COLUMNS if c in lowered), None)
    if number_at is None:
        raise ImportInvalid(
            f"No number column: name one of the columns {', '.join(NUMBER_COLUMNS)}."
        )
    zone_at = next((lowered.index(c) for c in TIME_ZONE_COLUMNS if c in lowered), None)
    variable_columns = [
        (index, name) for index, name in enumerate(names) if index not in (number_at, zone_at)
    ]
    _check_variable_names([name for _, name in variable_columns])
    rows: list[RowIn] = []
    for line_index, cells in enumerate(reader, start=1):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line is no contact
        if len(rows) >= MAX_ROWS:
            raise ImportInvalid(f"At most {MAX_ROWS} contacts per import: split the file.")
        padded = cells + [""] * (len(names) - len(cells))
        rows.append(
            RowIn(
                row=line_index,
                number=padded[number_at].strip(),
                variables={name: padded[index].strip() for index, name in variable_columns},
                time_zone=padded[zone_at].strip() if zone_at is not None else "",
            )
        )
    return rows


def _check_variable_names(names: Iterable[str]) -> None:
    names = list(names)
    if len(names) > MAX_VARIABLES:
        raise ImportInvalid(f"At most {MAX_VARIABLES} variable columns.")
    for name in names:
        if not VARIABLE_NAME.match(name):
            raise ImportInvalid(
                f"The column {name!r} is not a variable name (letters, digits and _, "
                "not first a digit)."
            )
        if name in RESERVED_VARIABLES:
            raise ImportInvalid(f"The column {name!r} names a variable each call sets itself.")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ImportInvalid(f"The column {name!r} appears twice.")
        seen.add(name)


def normalise_number(raw: str, *, default_region: str = "") -> tuple[str, str]:
    """``(e164, "")``, or ``("", why not)``."""
    try:
        parsed = phonenumbers.parse(raw, default_region.upper() or None)
    except phonenumbers.NumberParseException:
        if not raw.strip():
            return "", "The number is empty."
        if not raw.strip().startswith("+") and not default_region:
            return "", f"{raw!r} has no country code: write it as +<country><number>."
        return "", f"{raw!r} is not a phone number."
    if not phonenumbers.is_valid_number(parsed):
        return "", f"{raw!r} is not a valid number in its country."
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), ""


def number_time_zone(e164: str) -> str:
    """The one time zone the number's country (or area code) has, else ""."""
    zones = number_time_zones.time_zones_for_number(phonenumbers.parse(e164, None))
    return zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else ""


def validate_rows(
    rows: Iterable[RowIn],
    *,
    required_variables: list[str],
    do_not_call: set[str],
    existing: set[str],
    known_zone: Callable[[str], bool],
    default_time_zone: str,
    default_region: str = "",
) -> ImportReport:
    report = ImportReport(required_variables=required_variables)
    first_row_of: dict[str, int] = {}
    for row in rows:
        e164, problem = normalise_number(row.number, default_region=default_region)
        rejection = _rejection(row, e164, problem, first_row_of, do_not_call, existing)
        if rejection is None:
            rejection = _variables_rejection(row, required_variables)
        zone = row.time_zone
        if rejection is None and zone and not known_zone(zone):
            rejection = Rejection(
                row.row, row.number, "bad_time_zone", f"{zone!r} is not a time zone."
            )
        if rejection is not None:
            report.rejected.append(rejection)
            continue
        first_row_of[e164] = row.row
        report.accepted.append(
            AcceptedContact(
                row=row.row,
                e164=e164,
                variables=row.variables,
                time_zone=zone or number_time_zone(e164) or default_time_zone,
            )
        )
    return report


def _rejection(
    row: RowIn,
    e164: str,
    problem: str,
    first_row_of: Mapping[str, int],
    do_not_call: set[str],
    existing: set[str],
) -> Rejection | None:
    if problem:
        return Rejection(row.row, row.number, "bad_number", problem)
    if e164 in first_row_of:
        return Rejection(
            row.row, row.number, "duplicate", f"{e164} is already on row {first_row_of[e164]}."
        )
    if e164 in existing:
        return Rejection(row.row, row.number, "duplicate", f"{e164} is already in the campaign.")
    if e164 in do_not_call:
        return Rejection(row.row, row.number, "do_not_call", f"{e164} is on the do-not-call list.")
    return None


def _variables_rejection(row: RowIn, required: list[str]) -> Rejection | None:
    missing = [name for name in required if not str(row.variables.get(name, "")).strip()]
    if missing:
        return Rejection(
            row.row,
            row.number,
            "missing_variables",
            f"No value for {', '.join(missing)}, which the pipeline's templates use.",
        )
    too_long = [name for name, value in row.variables.items() if len(value) > MAX_VARIABLE_TEXT]
    if too_long:
        return Rejection(
            row.row,
            row.number,
            "variable_too_long",
            f"{', '.join(too_long)}: longer than {MAX_VARIABLE_TEXT} characters.",
        )
    return None
