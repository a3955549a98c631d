"""The caller's SIP leg as the worker follows it, and the call rules that depend on it:
billing from the answer to the end of the leg, the platform's end reasons, admission under
the limits, REFER only where the carrier takes it, keys outside a digit collection."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from livekit import rtc

from betool.models import Workspace
from pipelines.models import Pipeline, PipelineVersion
from telephony.models import Call, CallEndReason, CallStatus, PhoneNumber, Trunk
from telephony.selectors import CallRejected
from telephony.services import call_outbound_create, call_start
from telephony.worker import dtmf, session, transfers, usage
from telephony.worker.plan import load_plan
from telephony.worker.sip_leg import MEDIA_SILENT_S, SipLeg
from tests.unit.telephony.test_worker_parts import fake_state


class FakeRoom:
    def __init__(self) -> None:
        self.handlers: dict[str, list[Any]] = {}

    def on(self, event: str, handler: Any = None) -> Any:
        def register(fn: Any) -> Any:
            self.handlers.setdefault(event, []).append(fn)
            return fn

        return register(handler) if handler is not None else register

    def emit(self, event: str, *args: Any) -> None:
        for handler in self.handlers.get(event, []):
            handler(*args)


class FakeParticipant:
    def __init__(self, *, sip: bool = True, status: str = "ringing") -> None:
        self.identity = "sip-caller"
        self.kind = (
            rtc.ParticipantKind.PARTICIPANT_KIND_SIP
            if sip
            else rtc.ParticipantKind.PARTICIPANT_KIND_STANDARD
        )
        self.attributes = {"sip.callStatus": status} if sip else {}
        self.track_publications: dict[str, Any] = {}


def follow(**kwargs: Any) -> tuple[FakeRoom, FakeParticipant, SipLeg]:
    room, caller = FakeRoom(), FakeParticipant(**kwargs)
    return room, caller, SipLeg(room, caller)  # type: ignore[arg-type]


def test_a_ringing_leg_is_answered_when_livekit_sip_says_active() -> None:
    async def scenario() -> SipLeg:
        room, caller, leg = follow()
        assert leg.ringing
        assert leg.answered_seconds() == 0.0  # ringing is never billed
        waiting = asyncio.ensure_future(leg.wait_answered(within=5))
        await asyncio.sleep(0.01)
        room.emit("participant_attributes_changed", {"sip.callStatus": "active"}, caller)
        assert await waiting
        return leg

    leg = asyncio.run(scenario())
    assert not leg.ringing
    assert leg.answered_at is not None


def test_the_billed_time_runs_from_the_answer_to_the_bye() -> None:
    room, caller, leg = follow(status="active")
    assert leg.answered_mono is not None
    leg.answered_mono -= 12.0  # answered 12 s ago
    room.emit("participant_attributes_changed", {"sip.callStatus": "hangup"}, caller)
    ended = leg.ended_mono
    time.sleep(0.05)
    room.emit("participant_disconnected", caller)  # the leg leaves after its BYE
    assert leg.ended_mono == ended  # the first end counts
    assert 12.0 <= leg.answered_seconds() < 12.5
    assert leg.platform_end_reason() == ""  # a BYE with media flowing: the caller hung up


def test_a_caller_who_hangs_up_while_ringing_is_not_answered() -> None:
    async def scenario() -> bool:
        room, caller, leg = follow()
        waiting = asyncio.ensure_future(leg.wait_answered(within=5))
        await asyncio.sleep(0.01)
        room.emit("participant_attributes_changed", {"sip.callStatus": "hangup"}, caller)
        return await waiting

    assert asyncio.run(scenario()) is False


def test_a_leg_dropped_while_active_was_never_acknowledged() -> None:
    room, caller, leg = follow(status="active")
    room.emit("participant_disconnected", caller)  # no "hangup": livekit-sip dropped it
    assert leg.platform_end_reason() == CallEndReason.NO_ACK


def test_a_leg_ended_after_its_media_stopped_timed_out() -> None:
    room, caller, leg = follow(status="active")
    leg.heard_packet()
    assert leg.last_packet_mono is not None
    leg.last_packet_mono -= MEDIA_SILENT_S + 1
    room.emit("participant_attributes_changed", {"sip.callStatus": "hangup"}, caller)
    assert leg.platform_end_reason() == CallEndReason.MEDIA_TIMEOUT


def test_a_caller_that_is_not_a_sip_leg_is_answered_at_once() -> None:
    _, _, leg = follow(sip=False)
    assert not leg.ringing
    assert leg.platform_end_reason() == ""


def test_the_worker_bills_the_leg_and_records_the_platforms_reason() -> None:
    state = fake_state()
    room, caller, leg = follow(status="active")
    state.leg = leg
    assert leg.answered_mono is not None
    leg.answered_mono -= 30.0
    room.emit("participant_disconnected", caller)  # never ACKed: not billed at all
    assert session.end_reason_for(state) == CallEndReason.NO_ACK
    assert usage.call_seconds(state) == 0.0
    state.end_reason = CallEndReason.AGENT_HANGUP  # the worker's own reason wins
    assert session.end_reason_for(state) == CallEndReason.AGENT_HANGUP
    assert 30.0 <= usage.call_seconds(state) < 30.5


def test_a_key_outside_a_digit_collection_is_a_turn_at_once() -> None:
    async def scenario() -> Any:
        state = fake_state()
        dtmf.on_dtmf(state, "2")
        return state

    state = asyncio.run(scenario())
    assert state.keypad.take_digits() == "2"
    assert not state.keypad.timing
    assert state.session.replies == [{"user_input": "2"}]


def test_no_refer_is_sent_to_a_carrier_that_does_not_take_it() -> None:
    from dataclasses import replace

    class Api:
        class sip:
            transfers: list[Any] = []

            @classmethod
            async def transfer_sip_participant(cls, request: Any) -> None:
                cls.transfers.append(request)

    class Ctx:
        api = Api
        room = type("R", (), {"name": "call-x"})

    async def scenario() -> tuple[bool, Any]:
        state = fake_state()
        state.plan = replace(state.plan, supports_refer=False)
        state.ctx = Ctx()  # type: ignore[assignment]
        state.caller_identity = "sip-caller"
        state.session.say = lambda *_a, **_k: None  # type: ignore[union-attr]
        return await transfers.transfer_call(state, "+15550199"), state

    done, state = asyncio.run(scenario())
    assert done is False
    assert Api.sip.transfers == []
    failed = [e for e in state.recorder.events if e[1] == "transfer_failed"]
    assert "REFER" in failed[0][2]["error"]


# -- admission --


@pytest.fixture
def trunk_number(workspace: Workspace) -> PhoneNumber:
    pipeline = Pipeline.objects.create(workspace=workspace, name="P", draft={})
    PipelineVersion.objects.create(pipeline=pipeline, number=1, graph={"nodes": []})
    trunk = Trunk.objects.create(
        workspace=workspace, name="Carrier", address="sip.example.com", max_concurrent_calls=2
    )
    return PhoneNumber.objects.create(
        workspace=workspace, e164="+15550100", pipeline=pipeline, trunk=trunk
    )


def inbound(number: PhoneNumber, room: str, *, answered: bool = False) -> Any:
    return load_plan(
        room_name=room,
        metadata={},
        attributes={"sip.trunkPhoneNumber": number.e164, "sip.phoneNumber": "+15551234"},
        answered=answered,
    )


def test_a_ringing_sip_call_is_admitted_ringing_and_not_yet_billed(
    trunk_number: PhoneNumber,
) -> None:
    call = Call.objects.get(pk=inbound(trunk_number, "call-1").call_id)
    assert call.status == CallStatus.RINGING
    assert call.connected_at is None


def test_the_trunk_limit_refuses_inbound_and_outbound_calls_alike(
    trunk_number: PhoneNumber,
) -> None:
    inbound(trunk_number, "call-1")
    call_outbound_create(number=trunk_number, to_number="+15550111")
    with pytest.raises(CallRejected) as refused_in:
        inbound(trunk_number, "call-3")
    assert refused_in.value.reason == "trunk_busy"
    with pytest.raises(CallRejected) as refused_out:
        call_outbound_create(number=trunk_number, to_number="+15550112")
    assert refused_out.value.reason == "trunk_busy"
    assert Call.objects.count() == 2


def test_the_workspace_limit_refuses_an_inbound_call(trunk_number: PhoneNumber) -> None:
    workspace = trunk_number.workspace
    workspace.max_concurrent_calls = 1
    workspace.save()
    call_start(workspace=workspace, room_name="busy", status=CallStatus.ACTIVE)
    with pytest.raises(CallRejected) as info:
        inbound(trunk_number, "call-2")
    assert info.value.reason == "too_many_calls"
