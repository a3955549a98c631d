"""Barge-in modes on a real call: with "none" the caller's speech does not stop the agent,
with "dtmf" speech does not but a key does (and reaches the graph)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.voice import graphs
from tests.voice.harness import SPEECH_RMS, Caller
from tests.voice.test_calls import ended_call, run_call

# The story lasts about 20 s. It is under way when the agent still talks 3 to 4.5 s into its
# reply (a short answer is over by then); talking over it after that leaves most to come.
STORY_CHECKED_FROM_S = 3.0
STORY_CHECK_S = 1.5


async def _story_under_way(caller: Caller) -> None:
    """The agent is telling its story, a few seconds in. What these tests are about is the
    caller talking over it; the local recognizer, though, once heard the request as "Tell
    me I'm sorry" and the agent gave a short answer instead, so a reply that is over within
    seconds has the caller ask again, once."""
    await caller.hear(within=40, transcribe=False)
    frame_s = caller.listen_frame_ms / 1000
    for _ in range(2):
        await caller.say(graphs.ASK_STORY)
        replied = await _reply_began(caller, after=caller.speech_sent[-1][1])
        checked_from = replied + STORY_CHECKED_FROM_S
        checked_until = checked_from + STORY_CHECK_S
        await asyncio.sleep(max(0.0, checked_until - time.perf_counter()))
        loud = [
            r
            for r in caller.received
            if checked_from <= r.at <= checked_until and r.rms >= SPEECH_RMS
        ]
        if len(loud) * frame_s >= STORY_CHECK_S / 3:
            return
        await asyncio.sleep(2.0)  # the short answer is over
    raise AssertionError("the agent never told the story")


async def _reply_began(caller: Caller, *, after: float) -> float:
    loop = asyncio.get_running_loop()
    give_up = loop.time() + 20
    while loop.time() < give_up:
        began = caller.first_loud_after(after)
        if began is not None:
            return began
        await asyncio.sleep(0.05)
    raise AssertionError("the agent never answered the request for a story")


async def _still_talking_after(caller: Caller, moment: float, *, for_s: float = 4.0) -> bool:
    """Whether the agent kept talking after ``moment``: at least a second of loud audio in
    the ``for_s`` that follow. A loaded machine can put a gap of a second into the story's
    audio (the synthesis falls behind), so one short window is not the measure; an agent
    that stopped is quiet throughout."""
    await asyncio.sleep(for_s)
    frame_s = caller.listen_frame_ms / 1000
    loud = [r for r in caller.received if moment + 0.5 <= r.at <= moment + for_s]
    return sum(frame_s for r in loud if r.rms >= SPEECH_RMS) >= 1.0


def test_with_barge_in_off_the_callers_speech_does_not_stop_the_agent(
    worker: Any, voice_env: Any, call_setup: Any
) -> None:
    agent_name, _ = worker
    number = call_setup(barge_in_mode="none")

    async def scenario(caller: Caller) -> dict[str, Any]:
        await _story_under_way(caller)
        _, spoke_until = await caller.say(graphs.ASK_BALANCE)
        return {"talking": await _still_talking_after(caller, spoke_until)}

    room, result = run_call(voice_env, agent_name, number.e164, scenario)
    assert result["talking"], "the story stopped while barge-in was off"
    call = ended_call(room)
    # What the caller said over the agent was dropped, not kept for a turn of its own.
    assert not call.turns.filter(user_text__icontains="balance").exists()


def test_with_keys_only_speech_is_ignored_and_a_key_interrupts(
    worker: Any, voice_env: Any, call_setup: Any
) -> None:
    agent_name, _ = worker
    number = call_setup(barge_in_mode="dtmf", barge_in_sensitivity="high")

    async def scenario(caller: Caller) -> dict[str, Any]:
        await _story_under_way(caller)
        _, spoke_until = await caller.say(graphs.ASK_BALANCE)
        talking = await _still_talking_after(caller, spoke_until)
        for task in caller.publish_dtmf("5"):
            await task
        pressed = asyncio.get_running_loop().time()
        await asyncio.sleep(3.0)
        return {"talking": talking, "pressed": pressed}

    room, result = run_call(voice_env, agent_name, number.e164, scenario)
    assert result["talking"], "the caller's speech stopped the agent in keys-only mode"
    call = ended_call(room)
    assert not call.turns.filter(user_text__icontains="balance").exists()
    assert call.turns.filter(user_text="[digits] 5").exists()
