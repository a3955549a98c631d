"""The usage rollups behind the finance dashboard, maintained up to a watermark.

Finance reads the rollups up to ``UsageRollupState.last_entry_id`` plus the ledger's raw
tail after it (``betool.finance``), in one SQL statement, so every grouping and the CSV stay
exactly equal to the ledger's rows while a year of calls is read from a few thousand rows.

The watermark is a ledger id, not a time: a late report is a new entry (a higher id) with
an old ``occurred_at``, and lands in the old day's rollup row on the next run. Ids are handed
out before their transactions commit, so a plain ``max(id)`` could pass over an entry still
being written; the run first takes the ledger's SHARE lock for an instant (it waits for the
writing transactions in flight and reads ``max(id)``, then lets writers go on), which makes
every id up to that horizon either committed or never to be. The range up to the horizon is
then summed into both rollups and the watermark moved, in one transaction that locks the
state row: a rerun adds each entry once, and a run that finds another at work leaves it
be. Duplicated reports never reach the ledger twice (its idempotency key), so they never
reach the rollups twice.

Counting calls: a distinct count does not add up across days or groups. A call is counted
once, by its first call-time step (the call-time entry with ``sequence`` 1), on that step's
day: ``calls`` sums those, and ``model_calls`` the first step of each model a call used (its
speech, voice or input tokens; output tokens never come without input). Both add up across
days, pipelines and numbers, and ``betool.finance`` counts calls the same way when it reads
the ledger directly. The by-call rollup keeps one row per call and day, a column per
dashboard column, for the paged view by call; it has no model, so that view filtered by a
model reads the ledger. Each of a call's rows carries the call's start (its earliest usage
entry), which the run moves on every row when a late entry is dated before it: the view by
call pages newest first along an index on it (``betool.finance_calls_sql``).

PostgreSQL only: SQLite, the embedded default, has one writer at a time and a small ledger,
and finance reads it directly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import OperationalError, connection, transaction

from betool.models import CallUsageRollup, LedgerEntry, LedgerKind, UsageRollup, UsageRollupState

USAGE_KINDS = (
    LedgerKind.CALL_SECONDS,
    LedgerKind.ASR_SECONDS,
    LedgerKind.TTS_CHARACTERS,
    LedgerKind.LLM_INPUT_TOKENS,
    LedgerKind.LLM_OUTPUT_TOKENS,
)
# The dashboard's columns and the kinds each sums (the by-call rollup's columns).
COLUMN_KINDS: dict[str, tuple[LedgerKind, ...]] = {
    "call": (LedgerKind.CALL_SECONDS,),
    "asr": (LedgerKind.ASR_SECONDS,),
    "tts": (LedgerKind.TTS_CHARACTERS,),
    "llm": (LedgerKind.LLM_INPUT_TOKENS, LedgerKind.LLM_OUTPUT_TOKENS),
}
# The kinds whose first step marks a call's first use of a model (output follows input).
FIRST_USE_KINDS = (
    LedgerKind.CALL_SECONDS,
    LedgerKind.ASR_SECONDS,
    LedgerKind.TTS_CHARACTERS,
    LedgerKind.LLM_INPUT_TOKENS,
)
# Ledger ids summed per transaction: a first run over years of entries commits as it goes.
IDS_PER_RUN = 500_000
# How long a run may wait for the writers in flight before it gives up until the next beat.
HORIZON_LOCK_TIMEOUT = "2s"
STATE_ID = 1
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock timeout


def rollups_enabled() -> bool:
    return connection.vendor == "postgresql"


def rollup_zone() -> str:
    """The zone in which the finance days begin (the server's, as ``finance`` filters)."""
    return str(settings.TIME_ZONE)


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


_GROUP_COLUMNS = "pipeline_id, phone_number, model_name, kind, is_test"
_SUMS = f"""sum(quantity), sum(credits),
    count(*) FILTER (WHERE kind = '{LedgerKind.CALL_SECONDS}' AND sequence = 1),
    count(*) FILTER (WHERE sequence = 1 AND kind IN ({_sql_list(FIRST_USE_KINDS)}))"""
_ADD = """quantity = r.quantity + excluded.quantity, credits = r.credits + excluded.credits,
    calls = r.calls + excluded.calls, model_calls = r.model_calls + excluded.model_calls"""


def _statements() -> tuple[str, str, str]:
    q = connection.ops.quote_name
    ledger, daily, by_call = (
        q(LedgerEntry._meta.db_table),
        q(UsageRollup._meta.db_table),
        q(CallUsageRollup._meta.db_table),
    )
    day = "(occurred_at AT TIME ZONE %(zone)s)::date"
    where = f"""id > %(after)s AND id <= %(upto)s
        AND kind IN ({_sql_list(USAGE_KINDS)})"""
    daily_sql = f"""
        INSERT INTO {daily} AS r (workspace_id, day, {_GROUP_COLUMNS}, quantity, credits,
            calls, model_calls, entries)
        SELECT workspace_id, {day}, {_GROUP_COLUMNS}, {_SUMS}, count(*)
        FROM {ledger} WHERE {where}
        GROUP BY workspace_id, {day}, {_GROUP_COLUMNS}
        ON CONFLICT (workspace_id, day, {_GROUP_COLUMNS}) DO UPDATE SET {_ADD},
            entries = r.entries + excluded.entries
    """  # noqa: S608 (table names are the models'; every value is a parameter)
    call_columns = "call_seconds, call_credits, asr_credits, tts_credits, llm_credits, calls"
    pivot = ", ".join(
        f"coalesce(sum(credits) FILTER (WHERE kind IN ({_sql_list(kinds)})), 0)"
        for kinds in COLUMN_KINDS.values()
    )
    by_call_sql = f"""
        INSERT INTO {by_call} AS r (workspace_id, source, day, pipeline_id, phone_number,
            is_test, {call_columns}, first_at, started_at)
        SELECT workspace_id, source, {day}, pipeline_id, phone_number, is_test,
            coalesce(sum(quantity) FILTER (WHERE kind = '{LedgerKind.CALL_SECONDS}'), 0),
            {pivot},
            count(*) FILTER (WHERE kind = '{LedgerKind.CALL_SECONDS}' AND sequence = 1),
            min(occurred_at), min(occurred_at)
        FROM {ledger} WHERE {where}
        GROUP BY workspace_id, source, {day}, pipeline_id, phone_number, is_test
        ON CONFLICT (workspace_id, source, day, pipeline_id, phone_number, is_test)
        DO UPDATE SET {", ".join(f"{c} = r.{c} + excluded.{c}" for c in call_columns.split(", "))},
            first_at = least(r.first_at, excluded.first_at),
            started_at = least(r.started_at, excluded.started_at)
    """  # noqa: S608
    # A call's rows share its earliest start: a late entry dated before it moves every row.
    started_sql = f"""
        UPDATE {by_call} AS r SET started_at = s.started_at
        FROM (
            SELECT workspace_id, source, min(started_at) AS started_at FROM {by_call}
            WHERE (workspace_id, source) IN (
                SELECT workspace_id, source FROM {ledger} WHERE {where}
            )
            GROUP BY workspace_id, source
        ) AS s
        WHERE r.workspace_id = s.workspace_id AND r.source = s.source
            AND r.started_at <> s.started_at
    """  # noqa: S608
    return daily_sql, by_call_sql, started_sql


def _horizon() -> int | None:
    """The largest ledger id below which no entry is still being written, or None when the
    writers in flight did not finish within the lock timeout."""
    ledger = connection.ops.quote_name(LedgerEntry._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{HORIZON_LOCK_TIMEOUT}'")
        try:
            with transaction.atomic():
                cursor.execute(f"LOCK TABLE {ledger} IN SHARE MODE")
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                return None  # writers busy for longer than the timeout: the next run catches up
            raise
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {ledger}")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _state_locked() -> UsageRollupState | None:
    """The state row, locked; None while another run holds it (that run does the work, and
    runs queued behind a long first catch-up do not hold the metering workers)."""
    UsageRollupState.objects.get_or_create(pk=STATE_ID, defaults={"time_zone": rollup_zone()})
    return UsageRollupState.objects.select_for_update(skip_locked=True).filter(pk=STATE_ID).first()


def usage_rollup_advance(*, ids_per_run: int = IDS_PER_RUN) -> int:
    """Sums the usage entries written since the watermark into the rollups and moves the
    watermark past them. Returns the new watermark (unchanged when the writers were too busy
    to take a horizon, or where another run is at work). Safe to run again, or twice at once."""
    if not rollups_enabled():
        return 0
    horizon = _horizon()
    statements = _statements()
    while True:
        with transaction.atomic():
            state = _state_locked()
            if state is None:
                return UsageRollupState.objects.get(pk=STATE_ID).last_entry_id
            if state.time_zone != rollup_zone():
                UsageRollup.objects.all().delete()
                CallUsageRollup.objects.all().delete()
                state.last_entry_id, state.time_zone = 0, rollup_zone()
            if horizon is None or horizon <= state.last_entry_id:
                state.save()
                return state.last_entry_id
            upto = min(horizon, state.last_entry_id + ids_per_run)
            params: dict[str, int | str] = {
                "after": state.last_entry_id,
                "upto": upto,
                "zone": rollup_zone(),
            }
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql, params)
            state.last_entry_id = upto
            state.save()
            if upto >= horizon:
                return upto
