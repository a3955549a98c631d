"""The finance rollups on PostgreSQL equal a direct read of the ledger, in every grouping,
with every filter, paged and as CSV: after batches written while rollup runs go on at once,
late reports (an old day, a larger quantity), duplicated batches, reruns, and with a raw
tail after the watermark."""

from __future__ import annotations

import csv
import io
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from betool import finance
from betool.models import (
    CallUsageRollup,
    LedgerEntry,
    UsageRollup,
    UsageRollupState,
    Workspace,
)
from betool.roles import Role
from betool.usage_rollup import usage_rollup_advance
from campaigns.models import Campaign, CampaignAttempt, CampaignContact
from pipelines.models import Pipeline
from telephony.models import Call, CallDirection
from voice_models.metering import UsageReport, usage_reports_apply

pytestmark = pytest.mark.django_db(transaction=True)
CALLS = 80
DAYS = 12
WRITERS = 4


def _report(
    workspace: Workspace, rng: random.Random, call: int, step: int, **when: int
) -> UsageReport:
    """Call ``call``'s cumulative report number ``step``: its labels depend on the call only."""
    days_ago = when.get("days_ago", call % DAYS)
    occurred_at = timezone.now() - timedelta(days=days_ago, hours=(call * 7) % 24, minutes=step)
    llm = ("gpt-4o-mini", "llama-3")[call % 2]
    return UsageReport(
        workspace=workspace,
        source=f"call-{call}",
        sequence=step,
        usage={
            "call_seconds": round(step * (11.37 + call % 9), 3),
            "asr_seconds": round(step * (9.5 + call % 5), 3),
            "tts_characters": step * (80 + call),
            "llm_tokens": {llm: {"input_tokens": step * 700 + call, "output_tokens": step * 60}},
        },
        priced_on=occurred_at.date(),
        occurred_at=occurred_at,
        asr_model=("sphinx", "deepgram")[call % 2],
        tts_model=("espeak", "eleven", "espeak")[call % 3],
        pipeline_id=(None, 101, 102, 103)[call % 4],
        phone_number=("", "+15550100", "+15550101")[call % 3],
        is_test=call % 7 == 0,
    )


def _batches(reports: list[UsageReport], rng: random.Random) -> list[list[UsageReport]]:
    rng.shuffle(reports)
    batches = []
    while reports:
        size = rng.randint(1, 25)
        batches.append(reports[:size])
        reports = reports[size:]
    return batches


def _write_while_rolling_up(batches: list[list[UsageReport]]) -> None:
    """Writers apply the batches at once while rollup runs go on beside them."""
    done = threading.Event()

    def roll() -> None:
        try:
            while not done.is_set():
                usage_rollup_advance(ids_per_run=37)  # small ranges: many commits meanwhile
        finally:
            connections.close_all()

    def apply(batch: list[UsageReport]) -> None:
        try:
            usage_reports_apply(reports=batch)
        finally:
            connections.close_all()

    roller = threading.Thread(target=roll)
    roller.start()
    try:
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            list(pool.map(apply, batches))
    finally:
        done.set()
        roller.join()


FILTERS = [
    {},
    {"include_test": True},
    {"only_test": True},
    {"pipeline_id": 102},
    {"phone_number": "+15550101"},
    {"model_name": "gpt-4o-mini"},
    {"model_name": "espeak", "include_test": True},
]


def _ranges() -> list[tuple[date, date]]:
    today = timezone.localdate()
    return [
        (today - timedelta(days=DAYS + 2), today),
        (today - timedelta(days=6), today - timedelta(days=3)),
    ]


def _assert_rollups_equal_the_ledger(workspace: Workspace) -> None:
    for start, end in _ranges():
        for extra in FILTERS:
            filters = finance.UsageFilter(start=start, end=end, **extra)  # type: ignore[arg-type]
            for group in finance.GroupBy:
                read = dict(workspace=workspace, filters=filters, group_by=group)
                rolled = [row.as_dict() for row in finance.usage_summary(**read)]  # type: ignore[arg-type]
                direct = [row.as_dict() for row in finance.usage_summary(**read, from_ledger=True)]  # type: ignore[arg-type]
                assert rolled == direct, (group, extra, start, end)
            _assert_pages(workspace, filters)
        _assert_direct_sums(workspace, start, end)


def _assert_pages(workspace: Workspace, filters: finance.UsageFilter) -> None:
    every = finance.usage_summary(
        workspace=workspace, filters=filters, group_by=finance.GroupBy.CALL
    )
    # First, inner, a deep one across the tail's calls, the last, and past the last page.
    for offset, limit in [
        (0, 5),
        (5, 7),
        (len(every) // 2, 9),
        (len(every) - 3, 10),
        (len(every) + 4, 5),
    ]:
        page = finance.usage_page(
            workspace=workspace, filters=filters, group_by=finance.GroupBy.CALL,
            offset=max(offset, 0), limit=limit,
        )  # fmt: skip
        assert [r.as_dict() for r in page.rows] == [
            r.as_dict() for r in every[max(offset, 0) : max(offset, 0) + limit]
        ]
        assert page.groups == len(every)
        assert page.totals == finance.usage_totals(every)


def _assert_direct_sums(workspace: Workspace, start: date, end: date) -> None:
    """The rollups' totals are the ledger's own sums over the same days (no finance code)."""
    entries = LedgerEntry.objects.filter(
        workspace=workspace,
        is_test=False,
        kind__in=finance.USAGE_KINDS,
        occurred_at__date__gte=start,
        occurred_at__date__lte=end,
    )
    spent = -(entries.aggregate(s=Sum("credits"))["s"] or Decimal(0))
    started = entries.filter(kind="call_seconds", sequence=1).count()
    filters = finance.UsageFilter(start=start, end=end)
    for group in finance.GroupBy:
        totals = finance.usage_totals(
            finance.usage_summary(workspace=workspace, filters=filters, group_by=group)
        )
        assert Decimal(totals["total_credits"]) == spent.quantize(Decimal("0.01")), group
        if group != finance.GroupBy.MODEL:
            assert totals["calls"] == started, group


def _assert_call_rollup_is_the_ledgers_sum(workspace: Workspace) -> None:
    """Each by-call rollup row is a direct sum of the ledger's entries up to the watermark
    (no finance code), and carries its call's first entry of every day."""
    mark = UsageRollupState.objects.get().last_entry_id
    entries = LedgerEntry.objects.filter(
        workspace=workspace, kind__in=finance.USAGE_KINDS, id__lte=mark
    )
    keys = ("source", "day", "pipeline_id", "phone_number", "is_test")
    direct = {
        tuple(row[k] for k in keys): row
        for row in entries.annotate(day=TruncDate("occurred_at"))
        .values(*keys)
        .annotate(
            call_seconds=Sum("quantity", filter=Q(kind="call_seconds"), default=0),
            **{
                f"{column}_credits": Sum("credits", filter=Q(kind__in=kinds), default=0)
                for column, kinds in finance.COLUMNS.items()
            },
            calls=Count("id", filter=Q(kind="call_seconds", sequence=1)),
            first_at=Min("occurred_at"),
        )
    }
    started = dict(entries.values_list("source").annotate(Min("occurred_at")))
    rolled = CallUsageRollup.objects.filter(workspace=workspace)
    assert len(rolled) == len(direct)
    for row in rolled:
        expected = direct[tuple(getattr(row, k) for k in keys)]
        for column in (
            "call_seconds",
            "calls",
            "first_at",
            *(f"{c}_credits" for c in finance.COLUMNS),
        ):
            assert getattr(row, column) == expected[column], (row.source, row.day, column)
        assert row.started_at == started[row.source], row.source


def test_rollups_equal_the_ledger_after_concurrent_writes_late_reports_and_reruns(
    workspace: Workspace,
) -> None:
    assert connection.vendor == "postgresql"
    rng = random.Random(19)
    first = [
        _report(workspace, rng, c, s) for c in range(CALLS) for s in range(1, 4) for _ in (1, 2)
    ]
    _write_while_rolling_up(_batches(first, rng))
    mark = usage_rollup_advance()
    assert mark == LedgerEntry.objects.latest("id").pk
    assert UsageRollup.objects.filter(workspace=workspace).exists()
    _assert_call_rollup_is_the_ledgers_sum(workspace)
    _assert_rollups_equal_the_ledger(workspace)

    # Late reports: larger quantities of calls already rolled up, dated days earlier, and new
    # calls of old days; each batch sent twice, and the earlier batches once more.
    late = [
        _report(workspace, rng, c, s, days_ago=DAYS - 1 - c % 3)
        for c in rng.sample(range(CALLS), 30)
        for s in (4, 5)
    ]
    late += [_report(workspace, rng, c, s) for c in range(CALLS, CALLS + 10) for s in (1, 2)]
    again = _batches(late, rng)
    _write_while_rolling_up(again + again + _batches(first[:200], rng))
    usage_rollup_advance()
    assert usage_rollup_advance() == usage_rollup_advance()  # reruns add nothing
    # Late steps dated days before their calls began moved every row of those calls.
    moved = CallUsageRollup.objects.filter(workspace=workspace, started_at__lt=F("first_at"))
    assert moved.values("source").distinct().count() >= 10
    _assert_call_rollup_is_the_ledgers_sum(workspace)
    _assert_rollups_equal_the_ledger(workspace)

    # A raw tail after the watermark: read from the ledger, beside the rollups; in it, steps
    # dated before their calls' start (a call's place in the view by call moves), and calls
    # that the rollups have never seen.
    tail = [_report(workspace, rng, c, 6) for c in range(0, CALLS, 3)]
    tail += [_report(workspace, rng, c, 7, days_ago=DAYS + 1) for c in range(1, CALLS, 9)]
    tail += [_report(workspace, rng, c, 1) for c in range(CALLS + 10, CALLS + 16)]
    usage_reports_apply(reports=tail)
    watermark = UsageRollupState.objects.get().last_entry_id
    assert LedgerEntry.objects.filter(workspace=workspace, id__gt=watermark).count() > 20
    _assert_rollups_equal_the_ledger(workspace)


def test_the_csv_from_the_rollups_is_the_ledgers(
    client_as: Callable[[Role], object], workspace: Workspace
) -> None:
    rng = random.Random(7)
    usage_reports_apply(reports=[_report(workspace, rng, c, s) for c in range(30) for s in (1, 2)])
    usage_rollup_advance()
    usage_reports_apply(reports=[_report(workspace, rng, c, 3) for c in range(0, 30, 2)])
    start, end = _ranges()[0]
    finance_client = client_as(Role.FINANCE)
    for group in finance.GroupBy:
        response = finance_client.get(  # type: ignore[attr-defined]
            f"/api/credits/usage.csv?group_by={group}&start={start}&end={end}&include_test=true"
        )
        assert response.status_code == 200
        lines = list(csv.DictReader(io.StringIO(response.content.decode())))
        filters = finance.UsageFilter(start=start, end=end, include_test=True)
        rows = finance.usage_summary(
            workspace=workspace, filters=filters, group_by=group, from_ledger=True
        )
        expected = [row.as_dict() for row in rows] + [finance.usage_totals(rows)]
        assert lines == [{k: str(v) for k, v in row.items()} for row in expected], group


def _assert_groupings_equal(workspace: Workspace) -> None:
    start, end = _ranges()[0]
    filters = finance.UsageFilter(start=start, end=end, include_test=True)
    for group in finance.GroupBy:
        read = {"workspace": workspace, "filters": filters, "group_by": group}
        rolled = [row.as_dict() for row in finance.usage_summary(**read)]  # type: ignore[arg-type]
        direct = [row.as_dict() for row in finance.usage_summary(**read, from_ledger=True)]  # type: ignore[arg-type]
        assert rolled == direct, group


def test_before_the_first_run_and_after_a_zone_change_the_reads_stay_exact(
    workspace: Workspace, settings: object
) -> None:
    rng = random.Random(11)
    usage_reports_apply(reports=[_report(workspace, rng, c, s) for c in range(24) for s in (1, 2)])
    _assert_groupings_equal(workspace)  # no rollup yet: all of it from the ledger's tail
    usage_rollup_advance()
    _assert_groupings_equal(workspace)
    # Days begin elsewhere: the old rollups are not read, the next run rebuilds them.
    settings.TIME_ZONE = "America/New_York"  # type: ignore[attr-defined]
    _assert_groupings_equal(workspace)
    usage_rollup_advance()
    assert UsageRollupState.objects.get().time_zone == "America/New_York"
    _assert_groupings_equal(workspace)


def _place(campaign: Campaign, call: int) -> None:
    """Campaign ``campaign`` placed the call whose ledger source is ``call-<call>``."""
    Call.objects.create(
        id=call, workspace=campaign.workspace, direction=CallDirection.OUTBOUND,
        room_name=f"campaign-call-{call}", status="ended",
    )  # fmt: skip
    contact = CampaignContact.objects.create(
        campaign=campaign, e164=f"+1212555{call:04d}", time_zone="UTC"
    )
    CampaignAttempt.objects.create(
        campaign=campaign, contact=contact, number=1, call_id=call, started_at=timezone.now()
    )


def _assert_campaigns_equal_the_ledger(workspace: Workspace, placed: dict[int, Campaign]) -> None:
    for start, end in _ranges():
        for extra in FILTERS:
            filters = finance.UsageFilter(start=start, end=end, **extra)  # type: ignore[arg-type]
            read = {
                "workspace": workspace,
                "filters": filters,
                "group_by": finance.GroupBy.CAMPAIGN,
            }
            rolled = [row.as_dict() for row in finance.usage_summary(**read)]  # type: ignore[arg-type]
            direct = [row.as_dict() for row in finance.usage_summary(**read, from_ledger=True)]  # type: ignore[arg-type]
            assert rolled == direct, (extra, start, end)
            page = finance.usage_page(**read, offset=1, limit=2)  # type: ignore[arg-type]
            assert [row.as_dict() for row in page.rows] == direct[1:3], (extra, start, end)
            assert page.groups == len(direct)
        # Each campaign's credits are the ledger's own sum over its calls (no finance code).
        entries = LedgerEntry.objects.filter(
            workspace=workspace, is_test=False, kind__in=finance.USAGE_KINDS,
            occurred_at__date__gte=start, occurred_at__date__lte=end,
        )  # fmt: skip
        rows = finance.usage_summary(
            workspace=workspace,
            filters=finance.UsageFilter(start=start, end=end),
            group_by=finance.GroupBy.CAMPAIGN,
        )
        assert len([row for row in rows if row.key]) >= 2
        for row in rows:
            sources = [f"call-{c}" for c, campaign in placed.items() if str(campaign.pk) == row.key]
            mine = entries.filter(source__in=sources) if row.key else entries.exclude(
                source__in=[f"call-{c}" for c in placed]
            )  # fmt: skip
            spent = -(mine.aggregate(s=Sum("credits"))["s"] or Decimal(0))
            assert row.as_dict()["total_credits"] == spent.quantize(Decimal("0.01")), row.label


def test_the_view_by_campaign_from_the_rollups_is_the_ledgers(workspace: Workspace) -> None:
    rng = random.Random(23)
    pipeline = Pipeline.objects.create(workspace=workspace, name="Outbound", draft={})
    # Two campaigns of one name: their order is by credits, then name, then id, both ways.
    campaigns = [
        Campaign.objects.create(workspace=workspace, name=name, pipeline=pipeline)
        for name in ("Reminders", "Survey", "Reminders")
    ]
    placed = {c: campaigns[c % 3] for c in range(1, CALLS) if c % 4}  # the rest in none
    for call, campaign in placed.items():
        _place(campaign, call)
    first = [_report(workspace, rng, c, s) for c in range(CALLS) for s in range(1, 4)]
    _write_while_rolling_up(_batches(first, rng))
    usage_rollup_advance()
    _assert_campaigns_equal_the_ledger(workspace, placed)

    # A call linked to its campaign after its usage was rolled up counts there from now on;
    # a raw tail after the watermark, of rolled calls and of campaign calls never rolled up.
    placed[4] = campaigns[1]
    _place(campaigns[1], 4)
    for call in range(CALLS, CALLS + 6):
        placed[call] = campaigns[call % 2]
        _place(campaigns[call % 2], call)
    tail = [_report(workspace, rng, c, 4) for c in range(0, CALLS, 5)]
    tail += [_report(workspace, rng, c, 1) for c in range(CALLS, CALLS + 6)]
    usage_reports_apply(reports=tail)
    watermark = UsageRollupState.objects.get().last_entry_id
    assert LedgerEntry.objects.filter(workspace=workspace, id__gt=watermark).count() > 20
    _assert_campaigns_equal_the_ledger(workspace, placed)
