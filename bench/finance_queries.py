"""The finance dashboard's queries at N ledger entries (PostgreSQL): rollups vs the ledger.

A year of calls is generated in the database (generate_series, a million entries a
statement): 12 metered steps of 5 kinds per call, 40 numbers on 20 pipelines, each with
its models (12 in all), some test calls; every third call was placed by one of 12
campaigns (its call, contact and attempt rows, as the dialer leaves them), which the view
by campaign joins. The rollups are built (their time is printed),
then a raw tail is written after the watermark, as between two beat runs. Each grouping
over the last 30 days (by call, newest first: the first page of 50 rows, and one half-way
through the range's calls) is timed
through ``betool.finance`` from the rollups plus the tail, and the same through the direct
ledger read, in the same run: ``speedup_p95`` is the ledger's p95 over the rollups'. Ends
with one JSON line, with the load average.

    eval "$(scripts/services env)" && uv run python bench/finance_queries.py --rows 1000000

``--keep`` leaves the generated workspace in place, and a later run with the same size
reuses it (10M entries take minutes to write on a loaded machine).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from datetime import timedelta

from django_setup import percentile, setup_postgres

setup_postgres()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from betool import finance  # noqa: E402
from betool.models import LedgerEntry, UsageRollupState, Workspace  # noqa: E402
from betool.usage_rollup import usage_rollup_advance  # noqa: E402
from campaigns.models import Campaign, CampaignAttempt, CampaignContact, Outcome  # noqa: E402
from pipelines.models import Pipeline  # noqa: E402
from telephony.models import Call, CallDirection, CallStatus  # noqa: E402

KINDS = ["call_seconds", "asr_seconds", "tts_characters", "llm_input_tokens", "llm_output_tokens"]
STEPS = 12  # metered steps per kind and call
PER_CALL = STEPS * len(KINDS)
CHUNK = 1_000_000
PAGE = 50
CAMPAIGNS = 12
FIRST_CALL = 1_000_000_000  # the generated calls' ids: call-<FIRST_CALL + c>
PLACED_PER_STATEMENT = 5_000
# The tail: what a thousand calls write in about a minute, after the watermark, to new calls.
TAIL = 1000 * len(KINDS) * 2
TAIL_AFTER_CALLS = 10_000


def _fill(workspace: Workspace, rows: int, *, first: int = 0, days: int = 365) -> None:
    kinds = "ARRAY[" + ",".join(f"'{k}'" for k in KINDS) + "]"
    with connection.cursor() as cursor:
        for start in range(first, first + rows, CHUNK):
            stop = min(first + rows, start + CHUNK) - 1
            cursor.execute(
                f"""
                INSERT INTO betool_ledgerentry (workspace_id, source, kind, sequence,
                    quantity, credits, model_name, pipeline_id, phone_number, is_test,
                    reason, occurred_at, created_at)
                SELECT %(ws)s, 'call-' || ({FIRST_CALL} + c), ({kinds})[1 + k], s, 5,
                    -(0.25 + k * 0.1),
                    CASE WHEN k = 0 THEN '' ELSE 'model-' || (k * 3 + c %% 40 %% 3) END,
                    1 + c %% 40 %% 20, '+1555' || lpad((c %% 40)::text, 4, '0'),
                    c %% 97 = 0, '',
                    now() - make_interval(days => c %% %(days)s, secs => (c * 37) %% 86400)
                        + make_interval(secs => s * 5),
                    now()
                FROM generate_series(%(start)s, %(stop)s) AS i,
                    LATERAL (SELECT i / {PER_CALL} AS c, i %% {len(KINDS)} AS k,
                        (i %% {PER_CALL}) / {len(KINDS)} + 1 AS s) AS g
                """,
                {"ws": workspace.pk, "start": start, "stop": stop, "days": days},
            )
            print(f"  wrote {stop + 1 - first:,} entries", flush=True)
        cursor.execute("ANALYZE betool_ledgerentry")


def _place_by_campaigns(workspace: Workspace, calls: range) -> int:
    """Every third of ``calls`` placed by a campaign (the calls' rows made once, kept with
    the data); returns how many the campaigns placed."""
    if not Campaign.objects.filter(workspace=workspace).exists():
        pipeline = Pipeline.objects.create(workspace=workspace, name="bench", draft={})
        Campaign.objects.bulk_create(
            Campaign(workspace=workspace, name=f"Campaign {n:02d}", pipeline=pipeline)
            for n in range(CAMPAIGNS)
        )
    campaigns = list(Campaign.objects.filter(workspace=workspace).order_by("id"))
    placed = [c for c in calls if c % 3 == 0]
    known = set(
        Call.objects.filter(workspace=workspace, id__gte=FIRST_CALL).values_list("id", flat=True)
    )
    new = [c for c in placed if FIRST_CALL + c not in known]
    at = timezone.now()
    for start in range(0, len(new), PLACED_PER_STATEMENT):
        chunk = new[start : start + PLACED_PER_STATEMENT]
        Call.objects.bulk_create(
            Call(
                id=FIRST_CALL + c, workspace=workspace, direction=CallDirection.OUTBOUND,
                room_name=f"bench-call-{c}", status=CallStatus.ENDED, to_number=f"+1212{c:07d}",
            )
            for c in chunk
        )  # fmt: skip
        contacts = CampaignContact.objects.bulk_create(
            CampaignContact(
                campaign=campaigns[c // 3 % CAMPAIGNS], e164=f"+1212{c:07d}", time_zone="UTC"
            )
            for c in chunk
        )
        CampaignAttempt.objects.bulk_create(
            CampaignAttempt(
                campaign_id=contact.campaign_id, contact=contact, number=1,
                call_id=FIRST_CALL + c, outcome=Outcome.PERSON, started_at=at, ended_at=at,
            )
            for c, contact in zip(chunk, contacts, strict=True)
        )  # fmt: skip
    return len(placed)


def _time(fn: Callable[[], object], runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    return {
        "p50_ms": round(percentile(samples, 0.5), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "runs": runs,
    }


def _reads(
    workspace: Workspace, filters: finance.UsageFilter, calls: int
) -> dict[str, Callable[[bool], object]]:
    def grouping(group: finance.GroupBy) -> Callable[[bool], object]:
        return lambda direct: finance.usage_summary(
            workspace=workspace, filters=filters, group_by=group, from_ledger=direct
        )

    def page(offset: int) -> Callable[[bool], object]:
        return lambda direct: finance.usage_page(
            workspace=workspace,
            filters=filters,
            group_by=finance.GroupBy.CALL,
            offset=offset,
            limit=PAGE,
            from_ledger=direct,
        )

    reads = {g.value: grouping(g) for g in finance.GroupBy if g != finance.GroupBy.CALL}
    reads["call_page_1"] = page(0)
    reads["call_page_deep"] = page(max(0, calls // 2 // PAGE * PAGE))
    return reads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="ledger entries")
    parser.add_argument("--runs", type=int, default=20, help="timed reads from the rollups")
    parser.add_argument("--direct-runs", type=int, default=5, help="timed direct ledger reads")
    parser.add_argument("--keep", action="store_true", help="keep the data for a later run")
    args = parser.parse_args()
    rows = args.rows // PER_CALL * PER_CALL
    slug = f"bench-finance-{rows}"
    workspace = Workspace.objects.filter(slug=slug).first()
    reused = (
        workspace is not None and LedgerEntry.objects.filter(workspace=workspace).count() >= rows
    )
    figures: dict[str, object] = {"rows": rows, "reused_data": reused}
    if workspace is None or not reused:
        if workspace is not None:
            LedgerEntry.objects.filter(workspace=workspace).delete()
        workspace = workspace or Workspace.objects.create(name="bench", slug=slug)
        began = time.perf_counter()
        _fill(workspace, rows)
        figures["fill_s"] = round(time.perf_counter() - began, 1)
    tail_first = rows + PER_CALL * TAIL_AFTER_CALLS
    tail_calls = range(tail_first // PER_CALL, (tail_first + TAIL - 1) // PER_CALL + 1)
    began = time.perf_counter()
    placed = _place_by_campaigns(workspace, range(rows // PER_CALL))
    placed += _place_by_campaigns(workspace, tail_calls)
    figures |= {"campaign_calls": placed, "place_s": round(time.perf_counter() - began, 1)}
    try:
        began = time.perf_counter()
        usage_rollup_advance()
        figures["rollup_catch_up_s"] = round(time.perf_counter() - began, 1)
        with connection.cursor() as cursor:  # what autovacuum does between two beat runs
            cursor.execute(
                "VACUUM ANALYZE betool_usagerollup, betool_callusagerollup,"
                " campaigns_campaign, campaigns_campaignattempt"
            )
        _fill(workspace, TAIL, first=tail_first, days=1)
        figures["tail_entries"] = TAIL
        end = timezone.localdate()
        filters = finance.UsageFilter(start=end - timedelta(days=29), end=end)
        calls = rows // PER_CALL * 30 // 365
        for name, read in _reads(workspace, filters, calls).items():
            read(False)  # warm: connection, plans, caches, as a dashboard in use
            rolled = _time(lambda read=read: read(False), args.runs)
            direct = _time(lambda read=read: read(True), args.direct_runs)
            figures[name] = {
                "rollup": rolled,
                "ledger": direct,
                "speedup_p95": round(direct["p95_ms"] / max(rolled["p95_ms"], 0.01), 1),
            }
            print(name, figures[name], flush=True)
        figures["rollup_p95_max_ms"] = max(
            f["rollup"]["p95_ms"]  # type: ignore[index]
            for f in figures.values()
            if isinstance(f, dict) and "rollup" in f
        )
        figures["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        if not args.keep:
            LedgerEntry.objects.filter(workspace=workspace).delete()
            Campaign.objects.filter(workspace=workspace).delete()  # before their pipeline
            workspace.delete()
        else:  # the tail goes; the rollups keep what they summed of the rest
            mark = UsageRollupState.objects.get().last_entry_id
            LedgerEntry.objects.filter(workspace=workspace, id__gt=mark).delete()
    print(json.dumps({"bench": "finance_queries", **figures}))


if __name__ == "__main__":
    main()
