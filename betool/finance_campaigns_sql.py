"""The finance view by campaign, from the by-call rollup plus the ledger's tail.

A campaign's usage is its calls' usage: the by-call rollup's rows of the range and the raw
tail's entries after the watermark are joined, by their call's id, to the calls each campaign
placed, and summed per campaign in one statement (one snapshot, as in
``betool.finance_sql``). The core keeps no campaign: which campaign placed a call is read
when the dashboard is, through the relation the campaigns app registers
(``betool.finance_labels``), so a call linked to its campaign after its usage was rolled up
counts there all the same, as it does in the direct read of the ledger (``betool.finance``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection

from betool.finance_calls_sql import ROLLED, SUMS, rolled_in_range
from betool.finance_labels import campaign_calls_sql
from betool.finance_sql import (
    RollupQuery,
    RollupRead,
    call_time_step_counted,
    filter_clauses,
    in_kinds,
    pivot_of_kinds,
    read_params,
)
from betool.models import CallUsageRollup, LedgerEntry, UsageRollupState
from betool.usage_rollup import COLUMN_KINDS, STATE_ID, USAGE_KINDS

# A call's id from its ledger source ("call-<id>"); other sources (test sessions) have none.
# The campaigns' relation is joined on it: integers hash and sort at a fraction of the cost
# of building and comparing a source string for every call a campaign ever placed. Digits
# are told by trimming them (a regular expression per row cost more than the sums).
_CALL_ID = """CASE WHEN source LIKE 'call-_%%' AND length(source) <= 23
    AND ltrim(substr(source, 6), '0123456789') = '' THEN substr(source, 6)::bigint END"""


def _sql(filters: str) -> str:
    q = connection.ops.quote_name
    ledger, by_call = q(LedgerEntry._meta.db_table), q(CallUsageRollup._meta.db_table)
    state = q(UsageRollupState._meta.db_table)
    return f"""
        WITH usage AS (
            SELECT {_CALL_ID} AS call_id, {ROLLED} FROM {by_call}
            WHERE {rolled_in_range(filters)}
            UNION ALL
            SELECT {_CALL_ID}, {pivot_of_kinds(call_time_step_counted())} FROM {ledger}
            WHERE id > %(mark)s AND workspace_id = %(workspace)s AND {in_kinds(USAGE_KINDS)}
                AND occurred_at >= %(starts_at)s AND occurred_at < %(ends_before)s{filters}
        ), by_campaign AS (
            SELECT placed.campaign_id, placed.campaign_name, {SUMS}
            FROM usage LEFT JOIN ({campaign_calls_sql()}) AS placed USING (call_id)
            GROUP BY placed.campaign_id, placed.campaign_name
        )
        SELECT by_campaign.*, by_campaign.calls IS NOT NULL AS found,
            (SELECT last_entry_id FROM {state} WHERE id = {STATE_ID} AND time_zone = %(zone)s)
                AS mark_now
        FROM (SELECT) AS one LEFT JOIN by_campaign ON true
    """  # noqa: S608 (table and column names are the models'; every value is a parameter)


def campaign_rows(query: RollupQuery, *, mark: int) -> RollupRead:
    """Every campaign's row of the range (the calls in none in one row, without an id),
    from the rollups up to ``mark`` and the ledger after it; the caller sorts and pages
    them (a range has a row per campaign that ran, not per call)."""
    if query.model_name:
        raise ValueError("The by-call rollup has no model: read the ledger for one.")
    filters, params = filter_clauses(query)
    params |= read_params(query, mark=mark)
    with connection.cursor() as cursor:
        cursor.execute(_sql(filters), params)
        names = [column.name for column in cursor.description or []]
        fetched = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    seen = fetched[0]["mark_now"] or 0  # the outer join gives a row even with no usage
    rows = [_row(row) for row in fetched if row["found"]]
    if not rows:
        return RollupRead(rows=[], groups=0, totals=None, mark=seen)
    credits = [f"{column}_credits" for column in COLUMN_KINDS]
    totals: dict[str, Any] = {c: sum((r[c] for r in rows), Decimal(0)) for c in credits}
    totals |= {
        "total_credits": sum(totals.values(), Decimal(0)),
        "call_seconds": sum((r["call_seconds"] for r in rows), Decimal(0)),
        "calls": sum(r["calls"] for r in rows),
    }
    return RollupRead(rows=rows, groups=len(rows), totals=totals, mark=seen)


def _row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "campaign_id": row["campaign_id"],
        "campaign_name": row["campaign_name"],
        **{f"{c}_credits": row[f"{c}_credits"] for c in COLUMN_KINDS},
        "total_credits": row["total_credits"],
        "call_seconds": Decimal(row["call_seconds"]),
        "calls": int(row["calls"] or 0),
    }
