"""Campaigns place calls, and calls need credits, a published pipeline and an outbound trunk."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from betool.models import Workspace
from pipelines.models import Pipeline, PipelineVersion
from telephony.models import PhoneNumber, Trunk, TrunkDirection
from tests.campaign_graphs import REMINDER_GRAPH
from tests.conftest import fund


@dataclass(frozen=True)
class Outbound:
    pipeline: Pipeline
    version: PipelineVersion
    number: PhoneNumber
    trunk: Trunk


@pytest.fixture
def workspace(workspace: Workspace) -> Workspace:
    fund(workspace)
    return workspace


@pytest.fixture
def outbound(workspace: Workspace) -> Outbound:
    trunk = Trunk.objects.create(
        workspace=workspace,
        name="Carrier",
        direction=TrunkDirection.OUTBOUND,
        address="sip.example.com",
        max_concurrent_calls=4,
    )
    pipeline = Pipeline.objects.create(workspace=workspace, name="Reminder", draft=REMINDER_GRAPH)
    version = PipelineVersion.objects.create(pipeline=pipeline, number=1, graph=REMINDER_GRAPH)
    number = PhoneNumber.objects.create(
        workspace=workspace, e164="+15550100", trunk=trunk, pipeline=pipeline
    )
    return Outbound(pipeline=pipeline, version=version, number=number, trunk=trunk)
