"""Outbound calls to a simulated callee that answers as a person or as a voicemail.

The worker runs with ``BETOOL_OUTBOUND_DIALER=room`` (this tier has no livekit-sip): it
"dials" by waiting for the callee, who joins the call's room as ``sip-callee-<call id>``.
The callee speaks espeak-ng audio: a short "Hello?", or a voicemail greeting and its beep.
The pipeline takes the matching branch: the person hears the greeting, the voicemail the
message of the Start node's voicemail branch (after its beep), then the hang-up.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from telephony.models import Call, CallDirection, CallEndReason, CallEventKind
from tests.voice import harness
from tests.voice.harness import Caller, similarity
from tests.voice.test_calls import assert_heard, ended_call

pytestmark = pytest.mark.timeout(300)

GREETING = "Hello, this is Acme calling about your appointment tomorrow. Can you make it?"
MESSAGE = "This is Acme with a reminder of your appointment tomorrow. Please call us back."
GOODBYE = "Goodbye."
VOICEMAIL_GREETING = (
    "Hi, you have reached Sam. I can not take your call right now. "
    "Please leave a message after the tone."
)


def reminder_graph() -> dict[str, Any]:
    def node(node_id: str, node_type: str, **config: Any) -> dict[str, Any]:
        position = {"x": 0, "y": 0}
        return {"id": node_id, "type": node_type, "position": position,
                "data": {"label": node_id, "config": config}}  # fmt: skip

    def edge(source: str, handle: str, target: str) -> dict[str, Any]:
        return {"id": f"{source}-{handle}", "source": source, "sourceHandle": handle,
                "target": target, "targetHandle": "in"}  # fmt: skip

    return {
        "schema_version": 2,
        "nodes": [
            node("start", "start", receiver="phone_gateway", greeting=GREETING),
            node("ask", "say", text="Thank you."),
            node("vm_say", "say", text=MESSAGE, interruptible=False),
            node("vm_bye", "hangup", message=GOODBYE),
        ],
        "edges": [
            edge("start", "out", "ask"),
            edge("start", "voicemail", "vm_say"),
            edge("vm_say", "out", "vm_bye"),
        ],
    }


@pytest.fixture
def outbound_call(transactional_db: None) -> Callable[[], Call]:
    from betool.models import User
    from betool.services import workspace_create
    from pipelines.models import Pipeline, PipelineVersion
    from telephony.models import PhoneNumber
    from telephony.services import call_start
    from tests.conftest import fund

    def make() -> Call:
        owner = User.objects.create_user(f"owner-{uuid.uuid4().hex[:6]}", "o@example.com", "x")
        workspace = workspace_create(name="Outbound test", owner=owner)
        fund(workspace)
        graph = reminder_graph()
        pipeline = Pipeline.objects.create(workspace=workspace, name="Reminder", draft=graph)
        version = PipelineVersion.objects.create(pipeline=pipeline, number=1, graph=graph)
        number = PhoneNumber.objects.create(
            workspace=workspace, e164="+1555" + str(uuid.uuid4().int)[:7], pipeline=pipeline
        )
        return call_start(
            workspace=workspace,
            room_name=f"call-out-{uuid.uuid4().hex[:10]}",
            direction=CallDirection.OUTBOUND,
            from_number=number.e164,
            to_number="+15550100777",
            number=number,
            pipeline_version=version,
        )

    return make


def place(
    env: harness.LiveKitEnv,
    agent_name: str,
    call: Call,
    answer: Callable[[Caller], Awaitable[Any]],
) -> Any:
    """Dispatch the worker for the call, and answer it as ``answer`` does."""

    async def main() -> Any:
        callee = Caller(env, call.room_name, identity=f"sip-callee-{call.pk}")
        await callee.join()
        try:
            await harness.dispatch(env, room=call.room_name, agent_name=agent_name,
                                   metadata={"call_id": call.pk})  # fmt: skip
            # A phone answers, then speaks: here once the worker listens to the line (its
            # session started and subscribed), as a SIP leg's audio flows from its answer.
            await asyncio.wait_for(callee.heard_by_agent.wait(), timeout=60)
            await asyncio.sleep(0.5)
            return await answer(callee)
        finally:
            await callee.leave()

    try:
        return asyncio.run(main())
    finally:
        asyncio.run(harness.delete_room(env, call.room_name))


def test_a_person_who_answers_hears_the_greeting(worker, voice_env, outbound_call) -> None:
    agent_name, _ = worker
    call = outbound_call()

    async def answer(callee: Caller) -> dict[str, Any]:
        _, said_until = await callee.say("Hello?")
        greeting = await callee.hear(within=30)
        return {"greeting": greeting, "said_until": said_until}

    result = place(voice_env, agent_name, call, answer)
    assert_heard(result["greeting"], GREETING)
    # Decided on the short hello and its pause, within the bound (4 s and some slack).
    waited = result["greeting"].first_audio - result["said_until"]
    assert 0 < waited < 6, f"the greeting came {waited:.2f}s after the hello"
    call = ended_call(call.room_name)
    assert call.answered_by == "person"
    assert call.answered_by_evidence["reason"] == "short_greeting_then_pause"
    assert call.answered_by_evidence["beep_at_s"] is None
    assert call.end_reason == CallEndReason.CALLER_HANGUP
    assert call.events.filter(kind=CallEventKind.ACTION, name="answered_by").exists()
    greeting_turn = call.turns.get(sequence=0)
    assert greeting_turn.agent_text == GREETING
    # The hello the verdict was made on got no reply of its own.
    assert not call.turns.filter(user_text__icontains="hello").exists()


def test_a_voicemail_gets_the_message_after_its_beep_then_the_call_hangs_up(
    worker, voice_env, outbound_call
) -> None:
    agent_name, _ = worker
    call = outbound_call()

    async def answer(callee: Caller) -> dict[str, Any]:
        mark = callee.mark()
        await callee.say(VOICEMAIL_GREETING, rate_wpm=165)
        await asyncio.sleep(0.3)
        _, beep_until = await callee.play(harness.tone_frames(1000.0, 0.5))
        message = await callee.hear(since=mark, within=40, silence_s=2.0)
        await asyncio.wait_for(callee.disconnected.wait(), timeout=20)
        return {"message": message, "beep_until": beep_until}

    result = place(voice_env, agent_name, call, answer)
    message = result["message"]
    assert_heard(message, f"{MESSAGE} {GOODBYE}")
    heard = message.text.lower()
    assert "make it" not in heard, f"a machine was greeted as a person: {message.text!r}"
    assert "calling about" not in heard, f"a machine was greeted as a person: {message.text!r}"
    # Nothing was said over the greeting: the message starts once the beep has sounded.
    assert message.first_audio > result["beep_until"]
    call = ended_call(call.room_name)
    assert call.answered_by == "machine"
    evidence = call.answered_by_evidence
    assert evidence["beep_at_s"] is not None
    assert evidence["beep_hz"] == pytest.approx(1000, abs=30)
    assert evidence["message_cue"] == "beep"
    assert evidence["decided_at_s"] <= 4.0 + 0.05
    assert call.end_reason == CallEndReason.AGENT_HANGUP
    turn = call.turns.get(sequence=0)
    assert turn.trace["nodes"][0]["node_id"] == "start"
    assert turn.trace["nodes"][0]["branch"] == "voicemail"
    assert similarity(turn.agent_text, f"{MESSAGE} {GOODBYE}") > 0.9
