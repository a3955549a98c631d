"""The two set-based statements of the batch metering (``services.ledger_meter_reports``).

Each takes a batch already coalesced to one step per meter, in key order, and returns the
steps that billed something: ``(workspace id, source, kind, model name, sequence, quantity
added, credits added)``. Both upsert the meters with ``INSERT … ON CONFLICT DO UPDATE …
WHERE`` the quantity grew: the upsert locks each row it changes, so concurrent batches of the
same calls serialize per meter, and every ``SET`` reads the row as it was, which makes the
step the difference between the old and the new totals.

PostgreSQL runs the upsert and the ledger insert as one statement, the batch passed as
arrays (a handful of parameters, whatever its size). SQLite, the embedded default, has no
data-modifying CTE: the same upsert, then the entries are inserted by the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from betool.models import LedgerEntry, UsageMeter

QUANTITY_STEP = Decimal("0.001")  # the precision of metered quantities
CREDIT_STEP = Decimal("0.01")
# Meter rows per SQLite upsert: well under its parameter limit.
SQLITE_ROWS_PER_STATEMENT = 500


class MeterStep(NamedTuple):
    """A meter's largest quantity in the batch, its price, and the report's labels."""

    workspace_id: int
    source: str
    kind: str
    model_name: str
    quantity: Decimal
    credits: Decimal
    last_report: int
    occurred_at: datetime
    pipeline_id: int | None
    phone_number: str
    is_test: bool
    voice_model_id: int | None  # the configuration that did it (its usage counters)


class BilledStep(NamedTuple):
    """One ledger entry written: what one meter's step added (credits spent, positive)."""

    workspace_id: int
    source: str
    kind: str
    model_name: str
    sequence: int
    quantity: Decimal
    credits: Decimal


_SET_ON_CONFLICT = """
    ON CONFLICT (workspace_id, source, kind, model_name) DO UPDATE SET
        quantity = excluded.quantity,
        credits = excluded.credits,
        steps = meter.steps + 1,
        last_report = CASE WHEN excluded.last_report > meter.last_report
            THEN excluded.last_report ELSE meter.last_report END,
        step_quantity = excluded.quantity - meter.quantity,
        step_credits = excluded.credits - meter.credits,
        updated_at = excluded.updated_at
    WHERE excluded.quantity > meter.quantity
"""
_METER_COLUMNS = """workspace_id, source, kind, model_name, quantity, credits, steps,
    last_report, step_quantity, step_credits, updated_at"""


def meter_steps_apply(steps: Sequence[MeterStep]) -> list[BilledStep]:
    if not steps:
        return []
    if connection.vendor == "postgresql":
        return _postgresql(steps)
    return _portable(steps)


def _postgresql(steps: Sequence[MeterStep]) -> list[BilledStep]:
    meters = connection.ops.quote_name(UsageMeter._meta.db_table)
    ledger = connection.ops.quote_name(LedgerEntry._meta.db_table)
    columns = list(zip(*steps, strict=True))
    sql = f"""
        WITH batch AS (
            SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[],
                %s::numeric[], %s::numeric[], %s::integer[], %s::timestamptz[],
                %s::bigint[], %s::text[], %s::boolean[], %s::bigint[])
            AS b(workspace_id, source, kind, model_name, quantity, credits, last_report,
                occurred_at, pipeline_id, phone_number, is_test, voice_model_id)
        ), stepped AS (
            INSERT INTO {meters} AS meter ({_METER_COLUMNS})
            SELECT workspace_id, source, kind, model_name, quantity, credits, 1, last_report,
                quantity, credits, now()
            FROM batch ORDER BY workspace_id, source, kind, model_name
            {_SET_ON_CONFLICT}
            RETURNING workspace_id, source, kind, model_name, steps, step_quantity,
                step_credits
        )
        INSERT INTO {ledger} (workspace_id, source, kind, model_name, sequence, quantity,
            credits, occurred_at, pipeline_id, phone_number, is_test, voice_model_id, reason,
            created_at)
        SELECT s.workspace_id, s.source, s.kind, s.model_name, s.steps, s.step_quantity,
            -s.step_credits, b.occurred_at, b.pipeline_id, b.phone_number, b.is_test,
            b.voice_model_id, '', now()
        FROM stepped s JOIN batch b USING (workspace_id, source, kind, model_name)
        RETURNING workspace_id, source, kind, model_name, sequence, quantity, -credits
    """  # noqa: S608 (table names are the models'; every value is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in columns])
        return [BilledStep(*row) for row in cursor.fetchall()]


def _portable(steps: Sequence[MeterStep]) -> list[BilledStep]:
    billed: list[BilledStep] = []
    entries: list[LedgerEntry] = []
    for start in range(0, len(steps), SQLITE_ROWS_PER_STATEMENT):
        chunk = steps[start : start + SQLITE_ROWS_PER_STATEMENT]
        by_key = {(s.workspace_id, s.source, s.kind, s.model_name): s for s in chunk}
        for row in _upsert(chunk):
            workspace_id, source, kind, model_name, sequence, quantity, credits = row
            step = by_key[(workspace_id, source, kind, model_name)]
            billed.append(
                BilledStep(
                    workspace_id,
                    source,
                    kind,
                    model_name,
                    sequence,
                    _exact(quantity, QUANTITY_STEP),
                    _exact(credits, CREDIT_STEP),
                )
            )
            entries.append(
                LedgerEntry(
                    workspace_id=step.workspace_id,
                    source=step.source,
                    kind=step.kind,
                    model_name=step.model_name,
                    sequence=sequence,
                    quantity=billed[-1].quantity,
                    credits=-billed[-1].credits,
                    occurred_at=step.occurred_at,
                    pipeline_id=step.pipeline_id,
                    phone_number=step.phone_number,
                    is_test=step.is_test,
                    voice_model_id=step.voice_model_id,
                )
            )
    LedgerEntry.objects.bulk_create(entries, batch_size=SQLITE_ROWS_PER_STATEMENT)
    return billed


def _upsert(steps: Sequence[MeterStep]) -> list[tuple[Any, ...]]:
    table = connection.ops.quote_name(UsageMeter._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params: list[Any] = []
    for s in steps:
        params += [s.workspace_id, s.source, s.kind, s.model_name, s.quantity, s.credits]
        params += [s.last_report, s.quantity, s.credits, now]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, 1, %s, %s, %s, %s)"] * len(steps))
    sql = f"""
        INSERT INTO {table} AS meter ({_METER_COLUMNS}) VALUES {values}
        {_SET_ON_CONFLICT}
        RETURNING workspace_id, source, kind, model_name, steps, step_quantity, step_credits
    """  # noqa: S608 (the table name is the model's; every value is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _exact(value: Any, step: Decimal) -> Decimal:
    # SQLite computes the step in binary floating point; the ledger's precision restores it.
    return Decimal(str(value)).quantize(step)
