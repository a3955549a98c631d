"""A call refused while it rings (a limit, no credits, nothing to answer with) leaves a Call
record that says so: ended, refused with the reason, never connected, billed nothing."""

from __future__ import annotations

import pytest

from betool.models import LedgerEntry, Workspace
from pipelines.models import Pipeline, PipelineVersion
from telephony import selectors, services
from telephony.models import Call, CallEndReason, CallStatus, PhoneNumber, Trunk
from telephony.worker.plan import load_plan, record_refusal


@pytest.fixture
def number(workspace: Workspace) -> PhoneNumber:
    pipeline = Pipeline.objects.create(workspace=workspace, name="Front desk", draft={})
    PipelineVersion.objects.create(pipeline=pipeline, number=1, graph={})
    trunk = Trunk.objects.create(workspace=workspace, name="Carrier", max_concurrent_calls=1)
    return PhoneNumber.objects.create(
        workspace=workspace, e164="+15550100", pipeline=pipeline, trunk=trunk
    )


def _refuse(room: str, **metadata: object) -> tuple[selectors.CallRejected, int | None]:
    attributes = {"sip.trunkPhoneNumber": "+15550100", "sip.phoneNumber": "+15550199"}
    with pytest.raises(selectors.CallRejected) as info:
        load_plan(room_name=room, metadata=dict(metadata), attributes=attributes, answered=False)
    call_id = record_refusal(
        room_name=room,
        metadata=dict(metadata),
        attributes=attributes,
        reason=info.value.reason,
        message=info.value.message,
    )
    return info.value, call_id


def test_a_call_over_the_trunk_limit_is_recorded_as_refused_and_not_billed(
    number: PhoneNumber,
) -> None:
    services.call_start(workspace=number.workspace, room_name="call-a", number=number)
    rejection, call_id = _refuse("call-b")
    assert rejection.reason == "trunk_busy"
    call = Call.objects.get(pk=call_id)
    assert (call.status, call.end_reason, call.refusal_reason) == (
        CallStatus.ENDED,
        CallEndReason.REFUSED,
        "trunk_busy",
    )
    assert (call.from_number, call.to_number, call.number) == ("+15550199", "+15550100", number)
    assert call.connected_at is None
    assert call.duration_s is None
    assert call.usage == {"call_seconds": 0.0}
    event = call.events.get(name="refused")
    assert event.data == {"reason": "trunk_busy", "message": rejection.message}
    assert not LedgerEntry.objects.filter(source=f"call-{call.pk}").exists()
    # A refused call holds no line: the next call after the first one ends is admitted.
    assert selectors.call_setup_resolve(number_e164=number.e164).number == number


def test_a_number_without_a_pipeline_leaves_a_refused_record_too(number: PhoneNumber) -> None:
    number.pipeline = None
    number.save()
    rejection, call_id = _refuse("call-c")
    assert rejection.reason == "no_pipeline"
    assert Call.objects.get(pk=call_id).refusal_reason == "no_pipeline"


def test_an_unknown_number_or_a_call_made_beforehand_adds_no_record(number: PhoneNumber) -> None:
    assert (
        record_refusal(
            room_name="call-d",
            metadata={},
            attributes={"sip.trunkPhoneNumber": "+15550999"},
            reason="unknown_number",
            message="No such number",
        )
        is None
    )
    assert (
        record_refusal(
            room_name="call-e", metadata={"call_id": 7}, attributes={}, reason="x", message="x"
        )
        is None
    )
    assert not Call.objects.exists()
