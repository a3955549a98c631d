"""The finance read from the rollups plus the ledger's tail, in one PostgreSQL statement.

One statement sees one snapshot: it reads the rollups, the tail after the watermark it was
given and the watermark as it stands, so ``betool.finance`` can tell whether a rollup run
moved it meanwhile (then it reads again) and never counts a range twice or not at all.
The watermark is a parameter, not a subquery, so the planner reads a short tail by its ids.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection

from betool.models import LedgerEntry, LedgerKind, UsageRollup, UsageRollupState
from betool.usage_rollup import COLUMN_KINDS, FIRST_USE_KINDS, STATE_ID, USAGE_KINDS


@dataclass(frozen=True, slots=True)
class RollupQuery:
    workspace_id: int
    group: str  # day, pipeline, number or model (by call: ``betool.finance_calls_sql``)
    start: date
    end: date  # inclusive
    starts_at: datetime  # start's first moment in the rollup zone
    ends_before: datetime  # the day after end's first moment
    zone: str
    tests: bool | None  # None: with the tests; True: only them; False: without them
    pipeline_id: int | None
    phone_number: str
    model_name: str
    offset: int
    limit: int | None


@dataclass(frozen=True, slots=True)
class RollupRead:
    rows: list[dict[str, Any]]
    groups: int  # how many groups in all, whatever the page
    totals: dict[str, Any] | None  # the sums of every group, whatever the page
    mark: int  # the watermark the statement saw


_KEY = {"day": "day", "pipeline": "pipeline_id", "number": "phone_number", "model": "model_name"}


def in_kinds(kinds: tuple[LedgerKind, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def read_params(query: RollupQuery, *, mark: int) -> dict[str, Any]:
    """The values every rollup read binds: the range, the page and the watermark."""
    return {
        "workspace": query.workspace_id,
        "start": query.start,
        "end": query.end,
        "starts_at": query.starts_at,
        "ends_before": query.ends_before,
        "zone": query.zone,
        "mark": mark,
        "offset": query.offset,
        "limit": query.limit,
    }


def filter_clauses(query: RollupQuery) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if query.tests is not None:
        clauses.append("is_test = %(tests)s")
        params["tests"] = query.tests
    if query.pipeline_id is not None:
        clauses.append("pipeline_id = %(pipeline_id)s")
        params["pipeline_id"] = query.pipeline_id
    if query.phone_number:
        clauses.append("phone_number = %(phone_number)s")
        params["phone_number"] = query.phone_number
    if query.model_name:
        clauses.append("model_name = %(model_name)s")
        params["model_name"] = query.model_name
    return "".join(f" AND {clause}" for clause in clauses), params


_PIVOT = [f"{column}_credits" for column in COLUMN_KINDS] + ["call_seconds", "counted"]


def pivot_of_kinds(counted: str) -> str:
    """The pivoted columns from rows of one kind each (the daily rollup, the ledger)."""
    call_time = f"kind = '{LedgerKind.CALL_SECONDS}'"
    credits = [
        f"CASE WHEN {in_kinds(kinds)} THEN credits ELSE 0 END AS {column}_credits"
        for column, kinds in COLUMN_KINDS.items()
    ]
    seconds = f"CASE WHEN {call_time} THEN quantity ELSE 0 END AS call_seconds"
    return ", ".join([*credits, seconds, f"{counted} AS counted"])


def call_time_step_counted(kinds: tuple[LedgerKind, ...] = (LedgerKind.CALL_SECONDS,)) -> str:
    """A ledger entry's count of calls: a call counts once, by its first step of ``kinds``."""
    return f"(sequence = 1 AND {in_kinds(kinds)})::int"


def usage_rows(query: RollupQuery, *, mark: int) -> RollupRead:
    """The grouping's rows (a page of them with a limit), from the daily rollup up to
    ``mark`` and the ledger after it (by call: ``betool.finance_calls_sql``)."""
    q = connection.ops.quote_name
    ledger, state = q(LedgerEntry._meta.db_table), q(UsageRollupState._meta.db_table)
    key = _KEY[query.group]
    filters, params = filter_clauses(query)
    model = query.group == "model"
    tail_counted = call_time_step_counted(FIRST_USE_KINDS if model else (LedgerKind.CALL_SECONDS,))
    daily = q(UsageRollup._meta.db_table)
    rolled = (
        f"SELECT {key} AS key, {pivot_of_kinds('model_calls' if model else 'calls')} FROM {daily}"  # noqa: S608
    )
    tail_key = "(occurred_at AT TIME ZONE %(zone)s)::date" if key == "day" else key
    sums = [f"-sum({c}) AS {c}" for c in _PIVOT[:4]]
    total = "-(" + " + ".join(f"sum({c})" for c in _PIVOT[:4]) + ")"
    every_sums = [f"sum({c}) OVER () AS every_{c}" for c in (*_PIVOT[:4], "call_seconds", "calls")]
    sql = f"""
        WITH usage AS (
            {rolled}
            WHERE workspace_id = %(workspace)s AND day >= %(start)s AND day <= %(end)s
                AND %(mark)s > 0{filters}
            UNION ALL
            SELECT {tail_key}, {pivot_of_kinds(tail_counted)}
            FROM {ledger}
            WHERE id > %(mark)s AND workspace_id = %(workspace)s AND {in_kinds(USAGE_KINDS)}
                AND occurred_at >= %(starts_at)s AND occurred_at < %(ends_before)s{filters}
        ), grouped AS (
            SELECT key, {", ".join(sums)}, {total} AS total_credits,
                sum(call_seconds) AS call_seconds, sum(counted) AS calls
            FROM usage GROUP BY key
        )
        SELECT *, {", ".join(every_sums)}, count(*) OVER () AS groups,
            (SELECT last_entry_id FROM {state} WHERE id = {STATE_ID} AND time_zone = %(zone)s)
                AS mark_now
        FROM grouped
        ORDER BY {"key" if key == "day" else "total_credits DESC, key"} NULLS LAST
        {"LIMIT %(limit)s" if query.limit is not None else ""} OFFSET %(offset)s
    """  # noqa: S608 (table and column names are the models'; every value is a parameter)
    params |= read_params(query, mark=mark)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description or []]
        fetched = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    if not fetched and query.offset > 0:  # past the last page: still the groups and totals
        past = usage_rows(replace(query, offset=0, limit=1), mark=mark)
        return replace(past, rows=[])
    if not fetched:  # nothing in either part: no range can have been counted twice
        return RollupRead(rows=[], groups=0, totals=None, mark=mark)
    first = fetched[0]
    every = {
        name.removeprefix("every_"): value
        for name, value in first.items()
        if name.startswith("every_")
    }
    totals: dict[str, Any] = {f"{c}_credits": every[f"{c}_credits"] for c in COLUMN_KINDS}
    totals |= {
        "total_credits": sum(totals.values(), Decimal(0)),
        "call_seconds": Decimal(every["call_seconds"]),
        "calls": int(every["calls"]),
    }
    rows = [_row(row, key) for row in fetched]
    return RollupRead(rows=rows, groups=first["groups"], totals=totals, mark=first["mark_now"] or 0)


def _row(row: dict[str, Any], key: str) -> dict[str, Any]:
    row[key] = row.pop("key")
    row["calls"] = int(row["calls"] or 0)
    row["call_seconds"] = Decimal(row["call_seconds"])
    return row


def mark_read(zone: str) -> tuple[int, datetime | None]:
    """The watermark to read the rollups with (0, the whole ledger, until they exist) and
    when a run last moved it."""
    state = UsageRollupState.objects.filter(pk=STATE_ID, time_zone=zone).first()
    return (state.last_entry_id, state.updated_at) if state else (0, None)
