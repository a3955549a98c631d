"""Simultaneous admissions on PostgreSQL: exactly the limit of a trunk, and of a workspace, is
admitted, inbound and outbound alike (a count then an insert without a lock let 3 of 4
inbound and 4 of 4 outbound calls onto a trunk of 2)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections

from betool.models import Workspace
from pipelines.models import Pipeline, PipelineVersion
from telephony.models import Call, PhoneNumber, Trunk
from telephony.selectors import CallRejected
from telephony.services import call_outbound_create
from telephony.worker.plan import load_plan
from tests.conftest import fund

pytestmark = pytest.mark.django_db(transaction=True)


def _number(workspace: Workspace, e164: str, trunk: Trunk) -> PhoneNumber:
    pipeline = Pipeline.objects.create(workspace=workspace, name=f"P{e164}", draft={})
    PipelineVersion.objects.create(pipeline=pipeline, number=1, graph={"nodes": []})
    return PhoneNumber.objects.create(
        workspace=workspace, e164=e164, pipeline=pipeline, trunk=trunk
    )


def _at_once(attempts: list[Callable[[], object]]) -> Counter[str]:
    """Runs every attempt at the same moment, each on its own connection; counts outcomes."""
    start = threading.Barrier(len(attempts))

    def attempt(work: Callable[[], object]) -> str:
        try:
            start.wait()
            work()
            return "admitted"
        except CallRejected as exc:
            return exc.reason
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return Counter(pool.map(attempt, attempts))


def _inbound(number: PhoneNumber, room: str) -> Callable[[], object]:
    attributes = {"sip.trunkPhoneNumber": number.e164, "sip.phoneNumber": "+15551230000"}
    return lambda: load_plan(room_name=room, metadata={}, attributes=attributes, answered=False)


@pytest.fixture
def workspace() -> Workspace:
    workspace = Workspace.objects.create(name="Busy", slug="busy", max_concurrent_calls=10)
    fund(workspace)
    return workspace


def test_simultaneous_inbound_calls_fill_a_trunk_exactly(workspace: Workspace) -> None:
    assert connection.vendor == "postgresql"
    trunk = Trunk.objects.create(workspace=workspace, name="Two", max_concurrent_calls=2)
    number = _number(workspace, "+15550100", trunk)
    outcomes = _at_once([_inbound(number, f"call-{i}") for i in range(8)])
    assert outcomes == Counter({"admitted": 2, "trunk_busy": 6})
    assert Call.objects.filter(number__trunk=trunk).count() == 2


def test_simultaneous_outbound_calls_fill_a_trunk_exactly(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from telephony import services

    dispatched: list[Any] = []
    monkeypatch.setattr(services, "_dispatch_after_commit", lambda **kw: dispatched.append(kw))
    trunk = Trunk.objects.create(
        workspace=workspace, name="Out", address="sip.example.com", max_concurrent_calls=2
    )
    number = _number(workspace, "+15550200", trunk)
    outcomes = _at_once(
        [
            lambda i=i: call_outbound_create(number=number, to_number=f"+1555011{i:02d}")
            for i in range(6)
        ]
    )
    assert outcomes == Counter({"admitted": 2, "trunk_busy": 4})
    assert len(dispatched) == 2


def test_simultaneous_calls_on_several_trunks_fill_the_workspace_exactly(
    workspace: Workspace,
) -> None:
    workspace.max_concurrent_calls = 3
    workspace.save()
    numbers = [
        _number(
            workspace,
            f"+1555030{i}",
            Trunk.objects.create(workspace=workspace, name=f"T{i}", max_concurrent_calls=5),
        )
        for i in range(3)
    ]
    attempts = [_inbound(numbers[i % 3], f"call-ws-{i}") for i in range(9)]
    outcomes = _at_once(attempts)
    assert outcomes == Counter({"admitted": 3, "too_many_calls": 6})
    assert Call.objects.filter(workspace=workspace).count() == 3
