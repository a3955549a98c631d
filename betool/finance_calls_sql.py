"""The finance view by call, paged newest first, from the by-call rollup plus the ledger's tail.

A year of calls has a row per call and day; summing them all to show fifty was the cost.
Instead the page walks the rollup's index on the calls' start (``started_at``, the same on
every row of a call, so a call's rows come together) and sums only as far as the page's
end. The calls with entries in the raw tail after the watermark are summed afresh, from
their rolled rows and their tail entries (a late entry may move a call's start), and merged
in. The totals of every page come from the daily rollup (a range's few thousand rows), and
the number of calls from the walk's keys alone. One statement: one snapshot, as in
``betool.finance_sql``, whose ``RollupQuery`` and ``RollupRead`` it shares.

A call's place is its first usage entry (any day, any filter), ties by its source: the
ledger read (``betool.finance``) orders the same way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection

from betool.finance_sql import (
    RollupQuery,
    RollupRead,
    call_time_step_counted,
    filter_clauses,
    in_kinds,
    pivot_of_kinds,
    read_params,
)
from betool.models import CallUsageRollup, LedgerEntry, UsageRollup, UsageRollupState
from betool.usage_rollup import COLUMN_KINDS, STATE_ID, USAGE_KINDS

_CREDITS = [f"{column}_credits" for column in COLUMN_KINDS]
# The by-call rollup's columns in the order of ``pivot_of_kinds`` (calls last, as counted).
ROLLED = ", ".join([*_CREDITS, "call_seconds", "calls AS counted"])
# The dashboard's columns summed over rolled rows and pivoted ledger entries alike.
SUMS = ", ".join(
    [
        *(f"-sum({c}) AS {c}" for c in _CREDITS),
        "-(" + " + ".join(f"sum({c})" for c in _CREDITS) + ") AS total_credits",
        "sum(call_seconds) AS call_seconds",
        "sum(counted) AS calls",
    ]
)
_SUMS = f"{SUMS}, max(number) AS number"
_EVERY = ", ".join(
    [
        *(f"-sum({c}) AS every_{c}" for c in _CREDITS),
        "sum(call_seconds) AS every_call_seconds",
        "sum(counted) AS every_calls",
    ]
)


def rolled_in_range(filters: str) -> str:
    """The rows of a rollup (daily or by call) in the range, none before the first run."""
    return f"""workspace_id = %(workspace)s AND day >= %(start)s AND day <= %(end)s
        AND %(mark)s > 0{filters}"""


def _sql(filters: str) -> str:
    q = connection.ops.quote_name
    ledger, by_call = q(LedgerEntry._meta.db_table), q(CallUsageRollup._meta.db_table)
    daily, state = q(UsageRollup._meta.db_table), q(UsageRollupState._meta.db_table)
    in_range = rolled_in_range(filters)
    tail_in_range = f"occurred_at >= %(starts_at)s AND occurred_at < %(ends_before)s{filters}"
    # The walk's far end: a row of the range starts in it, or is a call's later day (few,
    # in their partial index; the FILTER keeps the planner from reading min() off the
    # walk's own index instead, from the workspace's first call on).
    earliest = f"""least(%(starts_at)s, (SELECT min(started_at) FILTER (WHERE true)
        FROM {by_call}
        WHERE workspace_id = %(workspace)s AND day >= %(start)s AND day <= %(end)s
            AND started_at < first_at))"""  # noqa: S608 (the model's table)
    walk = f"""{in_range} AND started_at < %(ends_before)s AND started_at >= {earliest}
        AND source NOT IN (SELECT source FROM touched)"""  # noqa: S608
    return f"""
        WITH tail AS MATERIALIZED (
            SELECT source, occurred_at, kind, sequence, quantity, credits, pipeline_id,
                phone_number, is_test
            FROM {ledger}
            WHERE id > %(mark)s AND workspace_id = %(workspace)s AND {in_kinds(USAGE_KINDS)}
        ), touched AS MATERIALIZED (
            SELECT source, least(min(occurred_at), (SELECT min(r.started_at) FROM {by_call} r
                WHERE r.workspace_id = %(workspace)s AND r.source = tail.source
                    AND %(mark)s > 0)) AS started_at
            FROM tail GROUP BY source
        ), fresh AS MATERIALIZED (
            SELECT usage.source AS key, touched.started_at, {_SUMS}
            FROM (
                SELECT source, {ROLLED}, phone_number AS number FROM {by_call}
                WHERE {in_range} AND source IN (SELECT source FROM touched)
                UNION ALL
                SELECT source, {pivot_of_kinds(call_time_step_counted())}, phone_number
                FROM tail WHERE {tail_in_range}
            ) AS usage JOIN touched USING (source)
            GROUP BY usage.source, touched.started_at
        ), walked AS (
            -- The calls up to the page's end, read off the index alone: no sums yet.
            (SELECT source AS key, started_at, false AS is_fresh FROM {by_call} WHERE {walk}
                GROUP BY started_at, source ORDER BY started_at DESC, source LIMIT %(upto)s)
            UNION ALL
            (SELECT key, started_at, true FROM fresh
                ORDER BY started_at DESC, key LIMIT %(upto)s)
        ), page_keys AS (
            SELECT * FROM walked
            ORDER BY started_at DESC, key LIMIT %(limit)s OFFSET %(offset)s
        ), page AS (
            -- The page's calls only are summed (by the rollup's key, a call at a time).
            SELECT page_keys.key, page_keys.started_at, {_SUMS}
            FROM page_keys JOIN (
                SELECT source, {ROLLED}, phone_number AS number FROM {by_call}
                WHERE {in_range}
            ) AS rolled ON rolled.source = page_keys.key
            WHERE NOT page_keys.is_fresh
            GROUP BY page_keys.key, page_keys.started_at
            UNION ALL
            SELECT fresh.* FROM fresh JOIN page_keys USING (key) WHERE page_keys.is_fresh
        ), every AS (
            SELECT {_EVERY} FROM (
                SELECT {pivot_of_kinds("calls")} FROM {daily} WHERE {in_range}
                UNION ALL
                SELECT {pivot_of_kinds(call_time_step_counted())} FROM tail
                WHERE {tail_in_range}
            ) AS usage
        )
        SELECT page.*, every.*,
            (SELECT count(*) FROM (SELECT FROM {by_call} WHERE {walk}
                GROUP BY started_at, source) AS calls)
                + (SELECT count(*) FROM fresh) AS groups,
            (SELECT last_entry_id FROM {state} WHERE id = {STATE_ID} AND time_zone = %(zone)s)
                AS mark_now
        FROM every LEFT JOIN page ON true
        ORDER BY page.started_at DESC, page.key
    """  # noqa: S608 (table and column names are the models'; every value is a parameter)


def call_rows(query: RollupQuery, *, mark: int) -> RollupRead:
    """A page of the view by call (every call without a limit), newest first, from the
    rollups up to ``mark`` and the ledger after it."""
    if query.model_name:
        raise ValueError("The by-call rollup has no model: read the ledger for one.")
    filters, params = filter_clauses(query)
    params |= read_params(query, mark=mark) | {
        # Each part gives at most the rows up to the page's end; the merge takes the page.
        "upto": None if query.limit is None else query.offset + query.limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(_sql(filters), params)
        names = [column.name for column in cursor.description or []]
        fetched = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    first = fetched[0]  # the totals' row is there even past the last page
    seen = first["mark_now"] or 0
    if not first["groups"]:
        return RollupRead(rows=[], groups=0, totals=None, mark=seen)
    totals: dict[str, Any] = {c: first[f"every_{c}"] or Decimal(0) for c in _CREDITS}
    totals |= {
        "total_credits": sum(totals.values(), Decimal(0)),
        "call_seconds": Decimal(first["every_call_seconds"] or 0),
        "calls": int(first["every_calls"] or 0),
    }
    rows = [_row(row) for row in fetched if row["key"] is not None]
    return RollupRead(rows=rows, groups=first["groups"], totals=totals, mark=seen)


def _row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": row["key"],
        "started_at": row["started_at"],
        "number": row["number"],
        **{c: row[c] for c in _CREDITS},
        "total_credits": row["total_credits"],
        "call_seconds": Decimal(row["call_seconds"]),
        "calls": int(row["calls"] or 0),
    }
