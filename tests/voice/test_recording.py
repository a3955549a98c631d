"""Recorded calls through a real livekit-server and the real worker: the stored file has the
caller and the agent on their own channels, as long as the call, each saying what was said
(transcribed back with the local Whisper); a worker killed mid-call leaves a file that plays
what was said until then."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from typing import Any

import av
import numpy as np
import pytest
from django.test import Client

from telephony.models import Call, CallStatus, Recording
from telephony.recordings.selectors import recordings_storage
from tests.voice import graphs, harness, tier
from tests.voice.conftest import VOICE_DIR, _database_url
from tests.voice.harness import Caller, similarity
from tests.voice.test_calls import MATCH, ended_call, run_call
from tests.voice.test_worker_killed import _signed_webhook, _wait_for

pytestmark = pytest.mark.timeout(300)

CONSENT = "Please note that this call is recorded for quality."
SAID = "I would like to know the balance of my account please"


def stored_recording(call: Call, *, within: float = 30.0) -> Recording:
    give_up = time.monotonic() + within
    while time.monotonic() < give_up:
        recording = Recording.objects.filter(call=call).first()
        if recording is not None:
            return recording
        time.sleep(0.25)
    raise AssertionError(f"call {call.pk} has no recording after {within:g}s")


def channels_of(recording: Recording) -> tuple[np.ndarray, int]:
    """The file's samples (channels by samples, float32) and rate, as a player decodes them."""
    storage = recordings_storage()
    with storage.open(recording.storage_key, "rb") as handle, av.open(handle) as container:
        chunks, rate = [], 0
        for frame in container.decode(audio=0):
            rate = frame.sample_rate
            chunks.append(frame.to_ndarray().reshape(frame.layout.nb_channels, -1))
    return np.concatenate(chunks, axis=1), rate


def transcribe(channel: np.ndarray, rate: int) -> str:
    """One channel through the local Whisper, at its 16 kHz."""
    step = rate // harness.RATE
    pcm = (np.clip(channel[::step], -1, 1) * 32767).astype(np.int16).tobytes()
    return asyncio.run(harness.transcribe_pcm(pcm))


def loud_spans(channel: np.ndarray, rate: int, *, window_s: float = 0.05) -> list[float]:
    """Start times (s) of each window louder than the harness's speech threshold."""
    size = round(rate * window_s)
    count = len(channel) // size
    rms = np.sqrt((channel[: count * size].reshape(count, size) ** 2).mean(axis=1)) * 32768
    return [i * window_s for i in np.nonzero(rms >= harness.SPEECH_RMS)[0]]


def test_a_recorded_call_has_both_sides_on_their_channels_for_as_long_as_the_call(
    worker: Any, voice_env: harness.LiveKitEnv, call_setup: Any
) -> None:
    agent_name, _ = worker
    number = call_setup(record_calls=True, recording_consent_line=CONSENT)

    async def scenario(caller: Caller) -> dict[str, Any]:
        opening = (await caller.hear(within=40, silence_s=2.0)).text
        if similarity(opening, graphs.GREETING) < MATCH:  # a loaded machine pauses between
            opening += " " + (await caller.hear(within=20)).text
        await caller.say(SAID)
        answer = await caller.hear(within=30)
        return {"opening": opening, "answer": answer}

    room, heard = run_call(voice_env, agent_name, number.e164, scenario)
    # The caller hears the consent line first, then the greeting.
    opening = heard["opening"]
    assert similarity(opening, CONSENT) >= MATCH, opening
    assert similarity(opening, graphs.GREETING) >= MATCH, opening
    words = harness.words(opening)
    assert words.index("recorded") < words.index("help"), opening

    call = ended_call(room)
    recording = stored_recording(call)
    assert recording.channels == 2
    assert not recording.partial
    assert call.duration_s is not None
    assert abs(recording.duration_s - call.duration_s) <= 0.5, (
        recording.duration_s,
        call.duration_s,
    )
    samples, rate = channels_of(recording)
    assert samples.shape[1] / rate == pytest.approx(recording.duration_s, abs=0.05)
    caller_side, agent_side = samples

    agent_text = transcribe(agent_side, rate)
    assert similarity(agent_text, graphs.GREETING) >= MATCH, agent_text
    assert similarity(agent_text, CONSENT) >= MATCH, agent_text
    caller_text = transcribe(caller_side, rate)
    assert similarity(caller_text, SAID) >= MATCH, caller_text
    assert similarity(caller_text, graphs.GREETING) < 0.5, caller_text  # no agent bleed

    # One timeline: the agent answers after the caller's last word, not on top of it.
    caller_loud = loud_spans(caller_side, rate)
    agent_loud = loud_spans(agent_side, rate)
    assert caller_loud, "the caller's channel is silent"
    spoke_until = caller_loud[-1]
    answered_at = min(t for t in agent_loud if t > caller_loud[0])
    assert answered_at > spoke_until - 0.1
    assert agent_loud[0] < caller_loud[0], "the greeting comes before the caller speaks"
    recordings_storage().delete(recording.storage_key)


def test_a_worker_killed_mid_call_leaves_a_playable_recording_of_what_was_said(
    voice_env: harness.LiveKitEnv, call_setup: Any, settings: Any
) -> None:
    tier.use_livekit(settings, voice_env)
    agent_name, worker = tier.start_named_worker(
        voice_env,
        prefix="betool-rec-kill",
        run_dir=VOICE_DIR,
        database_url=_database_url(),
        extra_env={"BETOOL_WORKER_PRELOAD_WHISPER": "0"},
    )
    number = call_setup(record_calls=True, recording_consent_line=CONSENT)
    room = f"call-rec-kill-{uuid.uuid4().hex[:8]}"
    said_until: list[float] = []
    try:
        asyncio.run(harness.wait_for_worker(worker))

        async def call_then_kill() -> None:
            attributes = {"sip.trunkPhoneNumber": number.e164, "sip.phoneNumber": "+15551230000"}
            async with harness.caller_in_room(
                voice_env, room=room, attributes=attributes
            ) as caller:
                await harness.dispatch(voice_env, room=room, agent_name=agent_name, metadata={})
                opening = await caller.hear(within=60, silence_s=2.0, transcribe=False)
                assert opening.first_audio is not None, "the agent never spoke"
                _, spoke_until = await caller.say(SAID)
                # perf_counter to wall time: when the caller's last word was sent
                said_until.append(time.time() - (time.perf_counter() - spoke_until))
                await caller.hear(within=30, transcribe=False)  # the answer
                await asyncio.sleep(5)  # two flushes later
                os.killpg(worker.process.pid, signal.SIGKILL)
                worker.process.wait(timeout=10)
                await asyncio.sleep(1)

        asyncio.run(call_then_kill())
        asyncio.run(harness.delete_room(voice_env, room))
    finally:
        worker.stop()

    call = Call.objects.get(room_name=room)
    assert call.status != CallStatus.ENDED, "the worker should have died before closing it"
    assert not Recording.objects.filter(call=call).exists()
    body, signature = _signed_webhook(voice_env, room)
    response = Client().post(
        "/api/livekit/webhook",
        body,
        content_type="application/webhook+json",
        HTTP_AUTHORIZATION=signature,
    )
    assert response.status_code == 200, response.content
    _wait_for(lambda: Recording.objects.filter(call=call).exists(), within=10, what="the recording")
    recording = Recording.objects.get(call=call)
    assert recording.partial
    assert recording.channels == 2
    call.refresh_from_db()
    # It ends where the worker's last flush did, before the kill (the call ends later, when
    # LiveKit's webhook says the room is gone), and holds everything the caller said.
    assert call.duration_s is not None
    assert recording.duration_s <= call.duration_s + 0.5
    assert recording.started_at.timestamp() + recording.duration_s > said_until[0]
    samples, rate = channels_of(recording)
    caller_side, agent_side = samples
    assert similarity(transcribe(agent_side, rate), graphs.GREETING) >= MATCH
    assert similarity(transcribe(caller_side, rate), SAID) >= MATCH
    recordings_storage().delete(recording.storage_key)
