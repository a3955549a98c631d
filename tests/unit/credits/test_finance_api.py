"""The finance API: usage by day, pipeline, number and model; CSV equal to the rows; test
usage apart; balance and alerts."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from betool.models import BalanceAlert, LedgerEntry, LedgerKind, Workspace
from betool.roles import Role
from voice_models.metering import usage_report_apply

pytestmark = pytest.mark.django_db


def _call(workspace: Workspace, source: str, days_ago: int, seconds: int, **extra: object) -> None:
    when = timezone.now() - timedelta(days=days_ago)
    usage_report_apply(
        workspace=workspace,
        source=source,
        sequence=1,
        usage={"call_seconds": seconds, "tts_characters": seconds * 10,
               "llm_tokens": {"gpt-4o-mini": {"input_tokens": 1000, "output_tokens": 250}}},
        priced_on=when.date(),
        occurred_at=when,
        tts_model="espeak",
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture
def usage(workspace: Workspace) -> Workspace:
    _call(workspace, "c1", 1, 60, pipeline_id=None, phone_number="+15550100")
    _call(workspace, "c2", 1, 30, phone_number="+15550100")
    _call(workspace, "c3", 3, 90, phone_number="+15550199")
    _call(workspace, "t1", 1, 45, is_test=True)
    return workspace


def _ledger_spent(workspace: Workspace, *, is_test: bool) -> Decimal:
    total = LedgerEntry.objects.filter(
        workspace=workspace, is_test=is_test, kind__in=["call_seconds", "asr_seconds",
        "tts_characters", "llm_input_tokens", "llm_output_tokens"]
    ).aggregate(s=Sum("credits"))["s"]  # fmt: skip
    return -total


def test_usage_by_day_matches_the_ledger_and_leaves_tests_apart(
    client_as: Callable[[Role], Client], usage: Workspace
) -> None:
    body = client_as(Role.FINANCE).get("/api/credits/usage?group_by=day").json()
    assert Decimal(body["totals"]["total_credits"]) == _ledger_spent(usage, is_test=False)
    assert len(body["rows"]) == 2
    assert body["totals"]["calls"] == 3
    assert Decimal(body["totals"]["call_minutes"]) == Decimal("3.00")
    tests_only = client_as(Role.FINANCE).get("/api/credits/usage?only_test=true").json()
    assert Decimal(tests_only["totals"]["total_credits"]) == _ledger_spent(usage, is_test=True)


def test_usage_by_number_and_model(client_as: Callable[[Role], Client], usage: Workspace) -> None:
    finance = client_as(Role.FINANCE)
    by_number = finance.get("/api/credits/usage?group_by=number").json()["rows"]
    assert [r["label"] for r in by_number] == ["+15550100", "+15550199"]
    assert Decimal(by_number[0]["call_credits"]) == Decimal("300.00")  # 90 s at 200/min
    by_model = finance.get("/api/credits/usage?group_by=model").json()["rows"]
    assert {r["label"] for r in by_model} == {"Call time", "espeak", "gpt-4o-mini"}


def test_csv_is_exactly_what_is_shown(
    client_as: Callable[[Role], Client], usage: Workspace
) -> None:
    finance = client_as(Role.FINANCE)
    shown = finance.get("/api/credits/usage?group_by=number").json()
    exported = finance.get("/api/credits/usage.csv?group_by=number")
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [r["label"] for r in rows] == [r["label"] for r in shown["rows"]] + ["Total"]
    for row, shown_row in zip(rows, [*shown["rows"], shown["totals"]], strict=True):
        assert Decimal(row["total_credits"]) == Decimal(shown_row["total_credits"])


@pytest.mark.parametrize(
    "query",
    ["start=2026-02-10&end=2026-01-01", "start=2020-01-01&end=2026-01-01", "group_by=planet",
     "start=yesterday", "group_by=call&limit=0", "group_by=call&offset=-1",
     "group_by=call&limit=100000"],
)  # fmt: skip
def test_bad_filters_are_clear_4xx(client_as: Callable[[Role], Client], query: str) -> None:
    response = client_as(Role.FINANCE).get(f"/api/credits/usage?{query}")
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["message"]


def test_low_balance_opens_one_alert_and_a_top_up_resolves_it(
    client_as: Callable[[Role], Client], usage: Workspace
) -> None:
    finance = client_as(Role.FINANCE)
    balance = finance.get("/api/credits/balance").json()
    assert Decimal(balance["balance"]) < 0
    assert balance["low"] is True
    from betool.services import balance_alerts_check

    first = balance_alerts_check(workspace=usage)
    assert balance_alerts_check(workspace=usage) == first
    topped_up = finance.post(
        "/api/credits/entries",
        {"credits": "5000", "reason": "PO 7"},
        content_type="application/json",
    )
    assert topped_up.status_code == 201
    assert topped_up.json()["created_by"] == "finance-user"
    first.refresh_from_db()  # type: ignore[union-attr]
    assert first.resolved_at is not None  # type: ignore[union-attr]
    assert not BalanceAlert.objects.filter(resolved_at__isnull=True).exists()
    history = finance.get("/api/credits/entries").json()
    assert history[0]["reason"] == "PO 7"
    assert history[0]["kind"] == LedgerKind.TOP_UP


def test_no_credits_refuses_new_calls(usage: Workspace) -> None:
    from betool.selectors import workspace_call_refusal

    refusal = workspace_call_refusal(workspace=usage)
    assert refusal is not None
    assert "top up" in refusal[1]


def test_the_periodic_sweep_raises_alerts_for_low_workspaces(usage: Workspace) -> None:
    from betool.tasks import balance_alerts_sweep

    healthy = Workspace.objects.create(name="Healthy", slug="healthy")
    from betool.services import ledger_credit

    ledger_credit(
        workspace=healthy, credits=Decimal(10**6), kind=LedgerKind.TOP_UP, reason="x", user=None
    )
    assert balance_alerts_sweep() == 1
    assert list(BalanceAlert.objects.values_list("workspace__slug", flat=True)) == [usage.slug]


def test_csv_figures_have_a_fixed_number_of_decimals_per_column(
    client_as: Callable[[Role], Client], usage: Workspace
) -> None:
    exported = client_as(Role.FINANCE).get("/api/credits/usage.csv?group_by=day")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert rows
    for row in rows:
        assert row["calls"].isdigit()
        for column in ("call_minutes", "call_credits", "asr_credits", "tts_credits",
                       "llm_credits", "total_credits"):  # fmt: skip
            whole, _, cents = row[column].partition(".")
            assert whole.lstrip("-").isdigit(), (column, row[column])
            assert len(cents) == 2, (column, row[column])


def test_grouping_by_model_counts_the_calls_that_used_it(
    client_as: Callable[[Role], Client], usage: Workspace
) -> None:
    rows = client_as(Role.FINANCE).get("/api/credits/usage?group_by=model").json()["rows"]
    calls = {r["label"]: r["calls"] for r in rows}
    assert calls == {"Call time": 3, "espeak": 3, "gpt-4o-mini": 3}


def test_calls_are_labelled_by_caller_number_and_time(
    client_as: Callable[[Role], Client], workspace: Workspace
) -> None:
    from telephony.models import Call

    call = Call.objects.create(
        workspace=workspace, from_number="+15557770001", to_number="+15550100", room_name="r"
    )
    _call(workspace, f"call-{call.pk}", 0, 60, phone_number="+15550100")
    _call(workspace, "demo-call-3-1", 2, 60, phone_number="+15550100")
    rows = client_as(Role.FINANCE).get("/api/credits/usage?group_by=call").json()["rows"]
    labels = sorted(r["label"] for r in rows)
    day = timezone.localtime(timezone.now() - timedelta(days=2)).strftime("%Y-%m-%d")
    assert labels[0].startswith("+15557770001 → +15550100, ")
    assert labels[1].startswith(f"Call to +15550100, {day} ")
    assert all("call-" not in label for label in labels)


def test_calls_come_in_pages_with_the_totals_of_every_page(
    client_as: Callable[[Role], Client], usage: Workspace
) -> None:
    finance = client_as(Role.FINANCE)
    every = finance.get("/api/credits/usage?group_by=call&include_test=true").json()
    assert every["groups"] == len(every["rows"]) == 4
    pages = [
        finance.get(f"/api/credits/usage?group_by=call&include_test=true&limit=3&offset={o}").json()
        for o in (0, 3, 6)
    ]
    assert [len(page["rows"]) for page in pages] == [3, 1, 0]
    assert [row for page in pages for row in page["rows"]] == every["rows"]
    for page in pages:
        assert page["groups"] == 4
        assert page["totals"] == every["totals"]
    exported = finance.get("/api/credits/usage.csv?group_by=call&include_test=true&limit=3")
    labels = [r["label"] for r in csv.DictReader(io.StringIO(exported.content.decode()))]
    assert labels == [r["label"] for r in pages[0]["rows"]] + ["Total"]


def test_calls_are_shown_newest_first_by_their_start_whatever_came_later(
    client_as: Callable[[Role], Client], workspace: Workspace
) -> None:
    # c-old began three days ago and was still reporting an hour ago; c-new began yesterday.
    _call(workspace, "c-old", 3, 600, phone_number="+15550100")
    when = timezone.now() - timedelta(hours=1)
    usage_report_apply(
        workspace=workspace, source="c-old", sequence=2, usage={"call_seconds": 900},
        priced_on=when.date(), occurred_at=when, phone_number="+15550100",
    )  # fmt: skip
    _call(workspace, "c-new", 1, 30, phone_number="+15550101")
    _call(workspace, "c-mid", 2, 90, phone_number="+15550102")
    finance = client_as(Role.FINANCE)
    rows = finance.get("/api/credits/usage?group_by=call").json()["rows"]
    assert [r["key"] for r in rows] == ["c-new", "c-mid", "c-old"]
    started = timezone.localtime(timezone.now() - timedelta(days=3)).strftime("%Y-%m-%d")
    assert rows[2]["label"].startswith(f"Call to +15550100, {started} ")
    # Over the last two days only, c-old's last hour is in the range; it keeps its place.
    today = timezone.localdate()
    recent = finance.get(
        f"/api/credits/usage?group_by=call&start={today - timedelta(days=1)}&end={today}"
    ).json()["rows"]
    assert [r["key"] for r in recent] == ["c-new", "c-old"]
    assert Decimal(recent[1]["call_minutes"]) == Decimal("5.00")  # 900 s - 600 s
