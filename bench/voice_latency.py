"""Voice latency through a real livekit-server: caller's end of speech → first agent audio.

A caller (LiveKit Python SDK) speaks a short espeak-ng utterance per turn; the betool worker
(the real AgentServer, session, agent and engine, in a process of its own as in production;
its calls run on the thread executor so the stubs can be swapped in) answers through a graph
whose Agent node asks a language model. The providers are stubs of fixed latency: the STT and
TTS inside the worker, the LLM a loopback server in a process of its own speaking OpenAI's
streaming wire protocol, reached through betool's real OpenAI client. The STT and TTS stubs
stand behind the FallbackAdapters that a number's cloud models get in production. What is
left over is what betool and LiveKit add.

Two ways of ending the caller's turn are measured, as the worker chooses them:

- ``stt``: a streaming recognizer with its own endpointing (Deepgram in production) says the
  speech ended: the stub emits its final transcript once ``STT_FINAL_S`` of quiet audio has
  followed the last speech it received (audio time, as a provider counts). Provider
  latencies: that, the LLM's first token, the TTS's first audio.
  This is the headline figure, the one held against the 100 ms target.
- ``vad``: a batch recognizer (the local Whisper) segmented by Silero's VAD, which first
  waits for the end-of-turn silence. Its fixed part also counts that silence (as the VAD
  counts it, in 32 ms windows); Silero's own detection lag stays in the overhead.

Figures per mode: ``total`` (the caller's last speech frame handed to the SDK → the first
loud agent frame received, timed in 10 ms frames), ``overhead`` = total - the fixed part,
and where the overhead goes (p50 of each part): ``transport_in`` (caller → the recognizer
got its last speech frame), ``turn_handling`` (final transcript → betool's graph starts;
livekit-agents' end of turn), ``betool_turn`` (graph start → first audio frame handed to
LiveKit, less the LLM and TTS stubs' latencies), ``transport_out`` (that frame → the caller
hears it); the VAD mode adds ``vad_lag`` (speech audio in → Silero's end of speech, less the
configured silence). ``betool_turn`` is split with the moments the worker records on each
turn: ``betool_turn_graph_to_text`` (the graph and the LLM client, to the first text, less
the LLM stub's own time for that request, as its process saw it) and
``betool_turn_text_to_audio`` (that text to the TTS's first frame, less the TTS stub's own
wait). ``first_turn_overhead``
is the overhead of the call's first turn, in a worker process that has served no call yet
(the SDKs' first-use costs show there, unless the worker's prewarm paid them).

The baseline, measured in the same run: ``transport_floor``, one 20 ms-framed hop between two
SDK participants through the same livekit-server (a tone's onset, sender to receiver), which
every LiveKit agent pays twice per turn whatever it does; ``overhead_above_transport`` is the
overhead less that floor both ways: what livekit-agents and betool add. And
``llm_http_floor``: the HTTP hop of a turn's LLM request by itself (the HTTP client the SDK
runs on, through betool's aiohttp transport, kept alive, to the same stub, from the bench's
busy process, the stub's own time taken off as from the worker's figure), against which
``betool_turn_graph_to_text`` is also given
(``betool_turn_graph_to_text_above_http_floor_p95_ms``): the graph, the SDK and the call's
event loop. ``llm_http_floor_httpx2`` is the same hop through httpx2's own transport, the
SDKs' default, in alternation with the first (``llm_http_floor_p50_vs_httpx2``).

Needs LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET (scripts/services up). Ends with one
JSON line of figures. Not a test: it never fails on a number.

    uv run python bench/voice_latency.py --turns 24 --callers 1,2,4,8

The concurrency part puts N callers (N = 1 included) on the one worker at once (6 counted
turns each, ``stt`` mode) and reports, per N, the overhead p50/p95, the worker's CPU per
call (% of one core) and the memory it added per call (peak RSS), and the N at which the
p95 overhead doubles from one caller's. It is then run again on a bare livekit-agents
worker (``library_floor``: an AgentSession with the same stubs, VAD, turn handling and
input frames, its LLM node a sleep of the LLM stub's latency; no graph, records or HTTP):
what the library costs by itself, so that ``cpu_vs_library`` (betool's CPU per call over
the bare one's, per N) says how much of the worker's CPU is betool's. The simulated
callers run in the bench's process, so their cost is not counted against the worker: it
is reported apart (``callers_cpu_per_call_pct``, the bench process).
The targets are printed beside the figures: betool's own part of a turn p95 ≤ 5 ms, the
overhead above the transport floor p95 ≤ 30 ms, the worker's CPU ≤ 5% of a core per call.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STT_FINAL_S = 0.200  # streaming STT: this much quiet audio after the last speech → final
STT_BATCH_S = 0.200  # batch STT: the VAD's segment → transcript
LLM_FIRST_TOKEN_S = 0.150
TTS_FIRST_AUDIO_S = 0.080
CLOUD_STT_RATE = 16000  # what a cloud recognizer's stream is fed at (Deepgram's default)
SILERO_WINDOW_S = 0.032  # Silero judges 512-sample windows at 16 kHz
TRANSCRIPT = "what is my account balance"
UTTERANCE = "What is my account balance?"
ANSWER = "Your balance is positive."
LOUD_RMS = 200.0  # the caller's line is digital silence between utterances

LISTEN_FRAME_MS = 10
# The header that marks the bench's own HTTP floor requests to the LLM stub, and how far apart
# they go (each waits the stub's first-token latency): a few a second, beside the calls.
HTTP_FLOOR_HEADER = "x-bench-http-floor"
HTTP_FLOOR_GAP_S = 0.35
# Moments (perf_counter, one clock for all processes on Linux) along each turn, appended in
# the worker by the stubs and hooks as they happen, and handed to the bench when it stops.
TRACE: dict[str, list[Any]] = {
    "final": [],
    "batch_start": [],
    "graph": [],
    "tts_first": [],
    # Per LLM turn, the worker's own moments: [graph start, first text, first TTS frame].
    "turn_timing": [],
    # Per sentence the TTS stub spoke: [its latency began, its first audio pushed].
    "tts_stub": [],
    # Per request the LLM stub answered (its own process): [arrived, first text written].
    "llm_stub": [],
    # Each full (generation 2) garbage collection in the worker: when it began and how long
    # it held the GIL (ms), every call in the process silent meanwhile.
    "gc_full": [],
}


def time_full_collections() -> None:
    """Records each full collection's start and length in ``TRACE["gc_full"]`` (in the
    worker)."""
    began: list[float] = []

    def on_collection(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            began[:] = [time.perf_counter()]
        elif began:
            TRACE["gc_full"].append([began[0], round((time.perf_counter() - began[0]) * 1000, 1)])

    gc.callbacks.append(on_collection)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def vad_silence_s() -> float:
    """The end-of-turn silence as Silero counts it: whole windows."""
    from voice_models.adapters import END_OF_TURN_SILENCE_S

    return math.ceil(round(END_OF_TURN_SILENCE_S / SILERO_WINDOW_S, 6)) * SILERO_WINDOW_S


def fixed_s(mode: str) -> float:
    """What the stub providers (and, for VAD turns, the configured silence) take at least."""
    if mode == "stt":
        return STT_FINAL_S + LLM_FIRST_TOKEN_S + TTS_FIRST_AUDIO_S
    return vad_silence_s() + STT_BATCH_S + LLM_FIRST_TOKEN_S + TTS_FIRST_AUDIO_S


def setup_django(workdir: Path | None = None) -> None:
    """Django on the bench's SQLite file: created and migrated by the bench, then shared
    with the worker process through the environment."""
    if workdir is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betool.settings")
    # The concurrency run puts many calls on this one worker: lift its per-process cap.
    os.environ.setdefault("BETOOL_WORKER_MAX_CALLS", "64")
    # The stub LLM listens on loopback, which the egress policy refuses unless told otherwise:
    # without this every turn would be the fallback line, and nothing of the LLM path measured.
    os.environ.setdefault("BETOOL_HTTP_ALLOW_PRIVATE_NETWORK", "1")
    import django

    django.setup()
    if workdir is not None:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def room_mode(room_name: str) -> str:
    """The turn detection a bench call asks for, carried in its room's name."""
    return "vad" if room_name.startswith("bench-vad-") else "stt"


def create_number(llm_base_url: str) -> str:
    from betool.models import User
    from betool.services import workspace_create
    from pipelines.models import Pipeline, PipelineVersion
    from telephony.models import PhoneNumber
    from tests.conftest import fund
    from voice_models.models import VoiceModel, VoiceModelKind, VoiceProvider

    graph = {
        "schema_version": 2,
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 0, "y": 0},
             "data": {"config": {"receiver": "phone_gateway", "greeting": ""}}},
            {"id": "agent", "type": "agent", "position": {"x": 0, "y": 0},
             "data": {"config": {"mission": "Answer balance questions in one sentence.",
                                 "model": "bench-llm"}}},
        ],
        "edges": [
            {"id": "e1", "source": "start", "sourceHandle": "out", "target": "agent",
             "targetHandle": "in"},
        ],
        "viewport": {"x": 0, "y": 0, "zoom": 1},
        "settings": {"fallback_line": "Sorry.", "iteration_limit": 3, "turn_timeout_s": 10},
    }  # fmt: skip
    owner = User.objects.create_user(f"bench-{uuid.uuid4().hex[:6]}", "b@example.com", "x")
    workspace = workspace_create(name="Latency bench", owner=owner)
    workspace.max_concurrent_calls = 64
    workspace.save(update_fields=["max_concurrent_calls"])
    fund(workspace)
    VoiceModel.objects.create(
        workspace=workspace, name="bench-llm", kind=VoiceModelKind.LLM,
        provider=VoiceProvider.OPENAI_COMPATIBLE, model="stub", base_url=llm_base_url,
        api_key="bench",
    )  # fmt: skip
    pipeline = Pipeline.objects.create(workspace=workspace, name="Bench", draft=graph)
    PipelineVersion.objects.create(pipeline=pipeline, number=1, graph=graph)
    e164 = "+1555" + str(uuid.uuid4().int)[:7]
    PhoneNumber.objects.create(
        workspace=workspace,
        e164=e164,
        pipeline=pipeline,
        silence_timeout_s=0,
        max_call_duration_s=3600,
    )
    return e164


def _rms(frame: Any) -> float:
    import numpy as np

    samples = np.frombuffer(bytes(frame.data), dtype=np.int16).astype(np.float32)
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0


ENDPOINTING_BLOCK_S = 0.010  # a provider's speech detector judges audio in 10 ms blocks


def quiet_after_speech_s(frame: Any) -> float | None:
    """How much audio in ``frame`` follows its last loud 10 ms block; None if none is loud.

    A recognizer's endpointing counts its silence from where the speech ended, inside the
    frame that carried the speech's end, not from that frame's end."""
    import numpy as np

    samples = np.frombuffer(bytes(frame.data), dtype=np.int16).astype(np.float32)
    if len(samples) == 0:
        return None
    block = max(1, round(frame.sample_rate * ENDPOINTING_BLOCK_S))
    starts = np.arange(0, len(samples), block)  # the last block may be short
    ends = np.minimum(starts + block, len(samples))
    mean_squares = np.add.reduceat(samples**2, starts) / (ends - starts)
    loud = np.flatnonzero(np.sqrt(mean_squares) >= LOUD_RMS)
    if len(loud) == 0:
        return None
    return (len(samples) - int(ends[loud[-1]])) / frame.sample_rate


# The stub providers subclass livekit-agents' bases inside the function, so that the bench
# imports livekit only when it runs: their methods' branches all count here.
def stub_speech(plan: Any, vad: Any) -> Any:  # noqa: C901
    """Fixed-latency STT (streaming with endpointing, or batch behind the VAD) and TTS."""
    import numpy as np
    from livekit import rtc
    from livekit.agents import APIConnectOptions, stt, tts, utils
    from livekit.agents.language import LanguageCode
    from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS

    from telephony.worker.session import Speech
    from voice_models.local.tts import split_complete

    def final_event() -> stt.SpeechEvent:
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[stt.SpeechData(language=LanguageCode("en"), text=TRANSCRIPT)],
        )

    class EndpointingStream(stt.RecognizeStream):
        """Like Deepgram with endpointing: the final transcript and END_OF_SPEECH once
        ``STT_FINAL_S`` of quiet audio followed the last speech it received. Counted in
        audio, as a provider counts it: a worker loop that stalls mid-question delivers its
        frames late, not a pause, so it ends no turn early; the silence starts where the
        speech ended (``quiet_after_speech_s``); and a frame size is paid as the provider
        would pay it (the silence completes only with the frame that holds its end)."""

        async def _run(self) -> None:
            last_loud: float | None = None
            quiet_s = 0.0
            async for item in self._input_ch:
                if not isinstance(item, rtc.AudioFrame):
                    continue
                tail_s = quiet_after_speech_s(item)
                if tail_s is not None:
                    if last_loud is None:
                        self._event_ch.send_nowait(
                            stt.SpeechEvent(stt.SpeechEventType.START_OF_SPEECH)
                        )
                    last_loud, quiet_s = time.perf_counter(), tail_s
                elif last_loud is None:
                    continue
                else:
                    quiet_s += item.duration
                if quiet_s >= STT_FINAL_S - 1e-6:
                    TRACE["final"].append((time.perf_counter(), last_loud))
                    self._event_ch.send_nowait(final_event())
                    self._event_ch.send_nowait(stt.SpeechEvent(stt.SpeechEventType.END_OF_SPEECH))
                    last_loud = None

    class StubSTT(stt.STT):
        def __init__(self, *, streaming: bool) -> None:
            super().__init__(
                capabilities=stt.STTCapabilities(streaming=streaming, interim_results=False)
            )

        @property
        def provider(self) -> str:
            return "stub"

        async def _recognize_impl(
            self, buffer: Any, *, language: Any = None, conn_options: APIConnectOptions
        ) -> stt.SpeechEvent:
            started = time.perf_counter()
            await asyncio.sleep(STT_BATCH_S)
            TRACE["batch_start"].append(started)
            TRACE["final"].append((time.perf_counter(), started))
            return final_event()

        def stream(
            self,
            *,
            language: Any = None,
            conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        ) -> stt.RecognizeStream:
            # Deepgram's stream takes 16 kHz: frames at another rate are resampled on the way.
            return EndpointingStream(
                stt=self, conn_options=conn_options, sample_rate=CLOUD_STT_RATE
            )

    rate = 24000
    tone = (np.sin(2 * np.pi * 440 * np.arange(rate // 50) / rate) * 8000).astype(np.int16)

    class StubStream(tts.SynthesizeStream):
        async def _run(self, output_emitter: tts.AudioEmitter) -> None:
            output_emitter.initialize(
                request_id=utils.shortuuid(), sample_rate=rate, num_channels=1,
                mime_type="audio/pcm", frame_size_ms=20, stream=True,
            )  # fmt: skip
            pending, in_segment = "", False
            async for item in self._input_ch:
                if isinstance(item, str):
                    if not in_segment:
                        output_emitter.start_segment(segment_id=utils.shortuuid())
                        in_segment = True
                    pending += item
                    sentences, pending = split_complete(pending)
                else:
                    sentences, pending = ([pending.strip()] if pending.strip() else []), ""
                for sentence in sentences:
                    self._mark_started()
                    waited = time.perf_counter()
                    await asyncio.sleep(TTS_FIRST_AUDIO_S)
                    pushed = time.perf_counter()
                    TRACE["tts_first"].append(pushed)
                    TRACE["tts_stub"].append([waited, pushed])
                    # Audio arrives as a provider's does, a chunk a wake-up, not in one burst
                    # that the session would have to take in before its first frame.
                    for _ in range(max(10, len(sentence) * 3)):  # ~60 ms per character
                        output_emitter.push(tone.tobytes())
                        await asyncio.sleep(0)
                if not isinstance(item, str) and in_segment:
                    output_emitter.end_segment()
                    in_segment = False

    class StubTTS(tts.TTS):
        def __init__(self) -> None:
            super().__init__(
                capabilities=tts.TTSCapabilities(streaming=True), sample_rate=rate, num_channels=1
            )

        def synthesize(self, text: str, *, conn_options: Any = None) -> Any:
            return self._synthesize_with_stream(text)

        def stream(self, *, conn_options: Any = None) -> Any:
            return StubStream(tts=self, conn_options=conn_options or DEFAULT_API_CONNECT_OPTIONS)

    # Built as voice_models.adapters builds a number's models: a cloud recognizer and voice
    # each behind a FallbackAdapter, with a local one to fall back on (a stub here, never
    # used), whose forwarding of every audio frame and text piece is the worker's to pay;
    # a local recognizer is segmented by the VAD.
    voice = tts.FallbackAdapter([StubTTS(), StubTTS()], sample_rate=rate)
    if room_mode(plan.room_name) == "stt":
        recognizer = stt.FallbackAdapter(
            [StubSTT(streaming=True), StubSTT(streaming=False)], vad=vad
        )
        return Speech(stt=recognizer, tts=voice, turn_detection="stt")
    return Speech(
        stt=stt.StreamAdapter(stt=StubSTT(streaming=False), vad=vad),
        tts=voice,
        turn_detection="vad",
    )


@dataclass
class CallerTurns:
    """One call's turns: (the last speech frame sent, the first loud answer frame heard)."""

    first: tuple[float, float] | None = None  # the call's first turn, a warm-up turn
    counted: list[tuple[float, float]] = field(default_factory=list)  # after the warm-up
    # Turns whose answer began before the caller had finished the question (a recognizer
    # that ended the turn early, on a loop stalled mid-utterance): no latency to speak of.
    early: int = 0


async def _caller_turns(
    env: Any, agent_name: str, number: str, mode: str, turns: int, warmup: int
) -> CallerTurns:
    """One caller in a room of its own: ``warmup + turns`` questions."""
    from tests.voice import harness

    room = f"bench-{mode}-{uuid.uuid4().hex[:8]}"
    moments = CallerTurns()
    attributes = {"sip.trunkPhoneNumber": number, "sip.phoneNumber": "+1555000"}
    caller = harness.Caller(
        env, room, attributes=attributes, rate=harness.ROOM_RATE, listen_frame_ms=LISTEN_FRAME_MS
    )
    try:
        await caller.join()
        await harness.dispatch(env, room=room, agent_name=agent_name, metadata={})
        try:
            await asyncio.wait_for(caller.agent_joined.wait(), 60)
        except TimeoutError:
            print(f"{room}: the agent did not join", file=sys.stderr)
            return moments
        await asyncio.sleep(3)  # the session is up and listening
        for turn in range(turns + warmup):
            # Only what the agent says from this question on is its answer: an extra reply
            # to an earlier turn must not shift every later turn's pairing.
            asked_at = caller.mark()
            _, spoke_until = await caller.say(UTTERANCE)
            heard = await caller.hear(since=asked_at, within=15, silence_s=0.6, transcribe=False)
            if heard.first_audio is None:
                print(f"{room} turn {turn}: no answer", file=sys.stderr)
                continue
            if heard.first_audio < spoke_until:
                print(f"{room} turn {turn}: answered before the question ended", file=sys.stderr)
                moments.early += 1
                await asyncio.sleep(0.3)
                continue
            if turn == 0:
                moments.first = (spoke_until, heard.first_audio)
            if turn >= warmup:
                moments.counted.append((spoke_until, heard.first_audio))
            await asyncio.sleep(0.3)
        await caller.leave()
    finally:
        await harness.delete_room(env, room)
    return moments


def _first_after(moments: list[Any], start: float, end: float) -> Any:
    """The first recorded moment in [start, end); entries may be (moment, extra) pairs."""
    for entry in moments:
        at = entry[0] if isinstance(entry, Sequence) else entry
        if start <= at < end:
            return entry
    return None


def overhead_parts(mode: str, turns: list[tuple[float, float]]) -> dict[str, float]:
    """Where one caller's overhead went, per turn, from the moments the stubs recorded."""
    parts: dict[str, list[float]] = {}
    bounds = [spoke for spoke, _ in turns[1:]] + [math.inf]
    for (spoke, heard), next_spoke in zip(turns, bounds, strict=True):
        final = _first_after(TRACE["final"], spoke, heard)
        graph = _first_after(TRACE["graph"], spoke, heard)
        tts_first = _first_after(TRACE["tts_first"], spoke, next_spoke)
        if final is None or graph is None or tts_first is None:
            continue
        final_at, heard_from = final
        if mode == "stt":
            parts.setdefault("transport_in", []).append(heard_from - spoke)
        else:
            vad_lag = heard_from - spoke - vad_silence_s()
            parts.setdefault("transport_in_and_vad_lag", []).append(vad_lag)
        parts.setdefault("turn_handling", []).append(graph - final_at)
        betool = tts_first - graph - LLM_FIRST_TOKEN_S - TTS_FIRST_AUDIO_S
        parts.setdefault("betool_turn", []).append(betool)
        parts.setdefault("transport_out", []).append(heard - tts_first)
    return {name: round(statistics.median(v) * 1000, 1) for name, v in parts.items()}


async def transport_floor(env: Any, *, bursts: int = 12) -> list[float]:
    """One-way delays (ms) of a tone's onset between two participants in one room, with the
    caller's settings: 20 ms frames, a one-frame send queue."""
    import numpy as np
    from livekit import api, rtc

    from tests.voice import harness

    room_name = f"floor-{uuid.uuid4().hex[:8]}"

    def token(identity: str) -> str:
        grants = api.VideoGrants(room_join=True, room=room_name)
        key = api.AccessToken(env.api_key, env.api_secret)
        return key.with_identity(identity).with_grants(grants).to_jwt()

    sender, receiver = rtc.Room(), rtc.Room()
    heard: list[float] = []

    async def listen(track: rtc.Track) -> None:
        stream = rtc.AudioStream(
            track, sample_rate=harness.ROOM_RATE, num_channels=1, frame_size_ms=LISTEN_FRAME_MS
        )
        async for event in stream:
            if _rms(event.frame) >= LOUD_RMS:
                heard.append(time.perf_counter())

    tasks: list[asyncio.Task[None]] = []
    receiver.on(
        "track_subscribed", lambda track, *_: tasks.append(asyncio.create_task(listen(track)))
    )
    onsets: list[float] = []
    try:
        await receiver.connect(env.url, token("floor-receiver"))
        await sender.connect(env.url, token("floor-sender"))
        source = rtc.AudioSource(harness.ROOM_RATE, 1, queue_size_ms=harness.FRAME_MS)
        track = rtc.LocalAudioTrack.create_audio_track("tone", source)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        await sender.local_participant.publish_track(track, options)
        rate = harness.ROOM_RATE
        samples = rate * harness.FRAME_MS // 1000
        quiet = rtc.AudioFrame(bytes(samples * 2), rate, 1, samples)
        wave = np.sin(2 * np.pi * 440 * np.arange(samples) / rate) * 8000
        tone = rtc.AudioFrame(wave.astype(np.int16).tobytes(), rate, 1, samples)
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        for _ in range(bursts):  # 0.6 s of quiet, then 0.3 s of tone
            for index in range(45):
                if index == 30:
                    onsets.append(time.perf_counter())
                await source.capture_frame(tone if index >= 30 else quiet)
                next_at += harness.FRAME_MS / 1000
                await asyncio.sleep(max(0.0, next_at - loop.time()))
        await asyncio.sleep(0.3)
    finally:
        await sender.disconnect()
        await receiver.disconnect()
        for task in tasks:
            task.cancel()
    delays = []
    for onset in onsets[2:]:  # the first bursts meet a jitter buffer still settling
        first = next((at for at in heard if at >= onset), None)
        if first is not None:
            delays.append((first - onset) * 1000)
    return delays


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the worker's job and inference processes, if any)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, []))
    return tree


def worker_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by the worker and its processes."""
    ticks = 0
    for member in _process_tree(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _thread_group(name: str) -> str:
    """A thread's name without its ordinal: ``asyncio_3`` and ``asyncio_0`` are one pool."""
    return re.sub(r"[-_ ]?\d+$", "", name.strip()) or name.strip()


def read_worker_threads(pid: int, seen: dict[int, tuple[str, float]]) -> None:
    """Notes in ``seen`` (thread id -> name, CPU seconds so far) every thread of the worker
    and its processes; a thread that has ended keeps its last reading (a call's thread ends
    with the call, and its CPU must still count). Read often, so little is missed."""
    tick = os.sysconf("SC_CLK_TCK")
    for member in _process_tree(pid):
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{member}/task").iterdir():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    name = (task / "comm").read_text()
                    fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                    seen[int(task.name)] = (name, (int(fields[11]) + int(fields[12])) / tick)


def worker_threads_cpu_s(seen: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds by thread name (ordinals merged): where the worker's CPU goes between
    Python (the call loops, the executors) and the native threads of the LiveKit SDK
    (WebRTC's decoding, resampling and encoding) and of onnxruntime."""
    by_group: dict[str, float] = {}
    for name, used in seen.values():
        group = _thread_group(name)
        by_group[group] = by_group.get(group, 0.0) + used
    return by_group


def name_native_threads() -> None:
    """Gives each Python thread of this process its Python name at the OS level (Linux
    shows every one as the interpreter otherwise), so ``worker_threads_cpu_s`` can tell the
    call loops from the executors. For the bench's worker only."""
    import ctypes
    import threading

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_name = 15

    def set_name(name: str) -> None:
        libc.prctl(pr_set_name, name.encode()[:15], 0, 0, 0)

    set_name("main")
    original = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]

    def bootstrap_inner(self: threading.Thread) -> None:
        set_name(self.name)
        original(self)

    threading.Thread._bootstrap_inner = bootstrap_inner  # type: ignore[attr-defined]


def threads_share_pct(
    before: dict[str, float], after: dict[str, float], *, wall: float, calls: int
) -> dict[str, float]:
    """The CPU of each thread group between two readings, % of one core per call, largest
    first (groups under 0.1% left out)."""
    shares = {
        group: 100 * (used - before.get(group, 0.0)) / wall / calls for group, used in after.items()
    }
    return {
        group: round(share, 1)
        for group, share in sorted(shares.items(), key=lambda item: -item[1])
        if share >= 0.1
    }


def worker_rss_mb(pid: int) -> float:
    pages = 0
    for member in _process_tree(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            pages += int(Path(f"/proc/{member}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _first_within(pairs: list[Any], start: float, end: float) -> Any:
    """The first [began, ended] pair that began in [start, end]."""
    return next((pair for pair in pairs if start <= pair[0] <= end), None)


def betool_parts(turns: list[tuple[float, float]]) -> dict[str, float]:
    """Inside betool's turn, for the caller's counted ``turns``, from the moments the worker
    and the stubs recorded: the graph up to its first text, less the LLM stub's own time
    for that request (arrival to first text, in the stub's process), and that text up to
    the TTS's first frame, less the TTS stub's own wait. Only turns that asked the LLM
    count (the greeting and a fallback line have no LLM request)."""
    graph_to_text: list[float] = []
    text_to_audio: list[float] = []
    for spoke, heard in turns:
        timing = _first_within(TRACE["turn_timing"], spoke, heard)
        if timing is None:
            continue
        start, text, audio = timing
        llm = _first_within(TRACE["llm_stub"], start, text)
        tts = _first_within(TRACE["tts_stub"], text, audio)
        if llm is None or tts is None:
            continue
        graph_to_text.append(((text - start) - (llm[1] - llm[0])) * 1000)
        text_to_audio.append(((audio - text) - (tts[1] - tts[0])) * 1000)
    if not graph_to_text:
        return {"betool_turn_llm_turns": 0}
    return {
        # How many turns these figures are of: a run whose LLM was never reached has none.
        "betool_turn_llm_turns": len(graph_to_text),
        "betool_turn_graph_to_text": round(statistics.median(graph_to_text), 1),
        "betool_turn_text_to_audio": round(statistics.median(text_to_audio), 1),
        # betool's own share of the turn at the tail, against its 5 ms target.
        "betool_turn_graph_to_text_p95": round(percentile(graph_to_text, 0.95), 1),
        "betool_turn_text_to_audio_p95": round(percentile(text_to_audio, 0.95), 1),
    }


async def one_caller(mode: str, turns: int, place: Callable[..., Any]) -> dict[str, Any]:
    call = await place(mode, turns, warmup=2)
    await asyncio.sleep(1)  # the last turn's record is written after its audio
    moments = call.counted
    totals = [(heard - spoke) * 1000 for spoke, heard in moments]
    overhead = [t - fixed_s(mode) * 1000 for t in totals]
    first = call.first
    return {
        "turns": len(totals),
        "early_answers": call.early,
        "fixed_ms": round(fixed_s(mode) * 1000, 1),
        "total_p50_ms": round(percentile(totals, 0.5), 1),
        "total_p95_ms": round(percentile(totals, 0.95), 1),
        "overhead_p50_ms": round(percentile(overhead, 0.5), 1),
        "overhead_p95_ms": round(percentile(overhead, 0.95), 1),
        # The call's first turn, in a worker process that has served none before.
        "first_turn_overhead_ms": (
            round((first[1] - first[0] - fixed_s(mode)) * 1000, 1) if first else None
        ),
        "moments": moments,  # replaced by the overhead's parts once the worker's trace is in
    }


async def many_callers(count: int, place: Callable[..., Any], worker_pid: int) -> dict[str, Any]:
    rss_before, peak_rss = worker_rss_mb(worker_pid), 0.0
    threads: dict[int, tuple[str, float]] = {}
    read_worker_threads(worker_pid, threads)
    threads_before = worker_threads_cpu_s(threads)
    cpu_before, began = worker_cpu_s(worker_pid), time.perf_counter()
    own_before = time.process_time()  # the simulated callers, apart
    calls = asyncio.gather(*(place("stt", 6, warmup=1) for _ in range(count)))
    while not calls.done():
        peak_rss = max(peak_rss, worker_rss_mb(worker_pid))
        read_worker_threads(worker_pid, threads)
        await asyncio.wait([calls], timeout=0.5)
    results: list[CallerTurns] = calls.result()
    wall = time.perf_counter() - began
    cpu = worker_cpu_s(worker_pid) - cpu_before
    read_worker_threads(worker_pid, threads)
    by_thread = threads_share_pct(
        threads_before, worker_threads_cpu_s(threads), wall=wall, calls=count
    )
    callers_cpu = time.process_time() - own_before
    fixed_ms = fixed_s("stt") * 1000
    delays = [(h - s) * 1000 - fixed_ms for call in results for s, h in call.counted]
    firsts = [(h - s) * 1000 - fixed_ms for call in results if call.first for s, h in [call.first]]
    return {
        "callers": count,
        "unanswered_callers": sum(not call.counted for call in results),
        "turns": len(delays),
        "early_answers": sum(call.early for call in results),
        "overhead_p50_ms": round(percentile(delays, 0.5), 1),
        "overhead_p95_ms": round(percentile(delays, 0.95), 1),
        "first_turn_overhead_p50_ms": round(percentile(firsts, 0.5), 1),
        "worker_cpu_per_call_pct": round(100 * cpu / wall / count, 1),
        "callers_cpu_per_call_pct": round(100 * callers_cpu / wall / count, 1),
        # Where the worker's CPU per call went, by thread (see worker_threads_cpu_s).
        "worker_cpu_by_thread_pct": by_thread,
        "worker_rss_mb_per_call": round(max(0.0, peak_rss - rss_before) / count, 1),
    }


def install_stubs() -> None:
    """In the worker process: fixed-latency speech, and a mark when the graph starts."""
    from telephony.worker import session as worker_session
    from telephony.worker.agent import BetoolAgent

    worker_session.build_speech = stub_speech
    original_llm_node = BetoolAgent.llm_node

    def timed_llm_node(self: Any, chat_ctx: Any, tools: Any, model_settings: Any) -> Any:
        TRACE["graph"].append(time.perf_counter())
        return original_llm_node(self, chat_ctx, tools, model_settings)

    BetoolAgent.llm_node = timed_llm_node  # type: ignore[method-assign]
    original_record_turn = BetoolAgent._record_turn

    def traced_record_turn(self: Any, record: Any, output: Any, *, interrupted: bool) -> None:
        timing = output.timing
        if timing.first_text is not None and timing.first_audio is not None:
            TRACE["turn_timing"].append(
                [timing.engine_start, timing.first_text, timing.first_audio]
            )
        original_record_turn(self, record, output, interrupted=interrupted)

    BetoolAgent._record_turn = traced_record_turn  # type: ignore[method-assign]


def bare_prewarm(proc: Any, media: str) -> None:
    from livekit.plugins import silero

    from telephony.worker.livekit_private import shape_the_sdk_for_calls
    from voice_models.adapters import END_OF_TURN_SILENCE_S

    if media == "betool":  # the SDK and Silero as betool's prewarm leaves them
        shape_the_sdk_for_calls()

    proc.userdata["vad"] = silero.VAD.load(min_silence_duration=END_OF_TURN_SILENCE_S)


# The media a bare session asks of the room: the library's defaults with the 20 ms input
# frames betool asked for before its own choices (``today``), or betool's (``betool``).
BARE_MEDIA = ("today", "betool")


def bare_session_start(media: str, participant_identity: str) -> dict[str, Any]:
    from livekit.agents import room_io

    from telephony.worker.media import call_session_start

    if media == "betool":
        return call_session_start(participant_identity=participant_identity)
    options = room_io.RoomOptions(
        participant_identity=participant_identity,
        close_on_disconnect=True,
        audio_input=room_io.AudioInputOptions(frame_size_ms=20),
    )
    return {"room_options": options, "record": False}


async def bare_entrypoint(ctx: Any, media: str) -> None:
    """livekit-agents alone, for its own per-call floor: an AgentSession with the same stub
    STT and TTS, VAD and turn handling as betool's calls, the room's media as ``media``
    says, whose LLM node waits the LLM stub's latency and answers the same words. No graph,
    no records, no HTTP."""
    from types import SimpleNamespace

    from livekit.agents import Agent, AgentSession

    from telephony.worker.agent import GraphLLM
    from telephony.worker.session import turn_handling

    class BareAgent(Agent):
        async def llm_node(self, chat_ctx: Any, tools: Any, model_settings: Any) -> Any:
            await asyncio.sleep(LLM_FIRST_TOKEN_S)
            yield ANSWER

    await ctx.connect()
    participant = await ctx.wait_for_participant()
    vad = ctx.proc.userdata["vad"]
    speech = stub_speech(SimpleNamespace(room_name=ctx.room.name), vad)
    session: AgentSession[None] = AgentSession(
        stt=speech.stt,
        tts=speech.tts,
        vad=vad,
        llm=GraphLLM(),  # a stand-in: the agent's LLM node answers
        turn_handling=turn_handling(speech.turn_detection),  # type: ignore[arg-type]
        user_away_timeout=None,
        aec_warmup_duration=None,
    )
    await session.start(
        BareAgent(instructions=""),
        room=ctx.room,
        **bare_session_start(media, participant.identity),
    )


def build_bare_server(agent_name: str, env: Any, media: str) -> Any:
    import functools

    from livekit.agents import AgentServer, JobExecutorType

    server = AgentServer(
        ws_url=env.url,
        api_key=env.api_key,
        api_secret=env.api_secret,
        setup_fnc=functools.partial(bare_prewarm, media=media),
        num_idle_processes=1,
        job_executor_type=JobExecutorType.THREAD,
        host="127.0.0.1",
        port=0,
        load_threshold=1.0,
        load_fnc=lambda *_: 0.0,
    )
    server.rtc_session(functools.partial(bare_entrypoint, media=media), agent_name=agent_name)
    return server


async def serve(agent_name: str, workdir: Path, *, bare: str | None = None) -> None:
    """The worker process (betool's, or livekit-agents' ``bare`` with that media):
    registers, says so with a file, and serves calls until its standard input closes; then
    it writes the trace of what its calls did."""
    from telephony.worker.server import build_server, import_plugins
    from tests.voice import harness

    name_native_threads()
    time_full_collections()
    env = harness.livekit_env()
    if bare:
        import_plugins()  # on this main thread, as betool's thread executor does
        server = build_bare_server(agent_name, env, bare)
    else:
        install_stubs()
        server = build_server(
            agent_name=agent_name,
            ws_url=env.url,
            api_key=env.api_key,
            api_secret=env.api_secret,
            idle_processes=1,
            executor="thread",
        )
    server.on("worker_registered", lambda *_: (workdir / "registered").touch())
    server_task = asyncio.create_task(server.run(devmode=True))
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    # Written first: a worker whose calls are slow to close (many callers on a loaded
    # machine) may be killed while it shuts down, and its trace would be lost with it.
    (workdir / "trace.json").write_text(json.dumps(TRACE))
    await server.aclose()
    server_task.cancel()


async def serve_llm(workdir: Path) -> None:
    """The LLM stub's process: OpenAI's streaming protocol on loopback, each answer after
    ``LLM_FIRST_TOKEN_S``. Apart from the simulated callers, so that their audio does not
    delay its answers (which would count against the worker). Prints its URL, answers until
    its standard input closes, then writes when each request arrived and its first text
    left, so that the worker's figures can be taken less the stub's own time."""
    from aiohttp import web

    from tests.fakes.llm_servers import FakeOpenAIServer, ScriptedReply

    moments: list[list[float]] = []

    class TimedStubLLM(FakeOpenAIServer):
        def _next_reply(self) -> ScriptedReply:
            return ScriptedReply(text=[ANSWER], delay_s=LLM_FIRST_TOKEN_S)

        async def _handle(self, request: web.Request) -> web.StreamResponse:
            request["arrived"] = time.perf_counter()
            return await super()._handle(request)

        async def events(self, reply: ScriptedReply, request: web.Request) -> Any:
            async for index, payload in _numbered(super().events(reply, request)):
                if index == 1:  # the first text (the first event only names the role)
                    floor = HTTP_FLOOR_HEADER in request.headers
                    moments.append([request["arrived"], time.perf_counter(), floor])
                yield payload

    async with TimedStubLLM() as server:
        print(f"{server.url}/v1", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    (workdir / "llm_trace.json").write_text(json.dumps(moments))


async def _numbered(items: Any) -> Any:
    index = 0
    async for item in items:
        yield index, item
        index += 1


# The HTTP floor is measured through both transports the SDKs can run on, alternately: what
# betool's LLM clients send with (``aiohttp``, betool/aiohttp_transport.py) and httpx2's own.
FLOOR_TRANSPORTS = ("aiohttp", "httpx2")


async def llm_http_floor(url: str, stop: asyncio.Event) -> list[tuple[float, float, str]]:
    """The HTTP hop every turn's LLM request takes, without the SDK, betool or the call's
    event loop: streamed POSTs to the LLM stub on kept-alive connections with the HTTP
    client the SDK runs on, from the bench's process (busy with its callers meanwhile), until
    ``stop``, through each of ``FLOOR_TRANSPORTS`` in turn. Each is [sent, first text line
    read, transport]; the stub's own time is taken off later."""
    import httpx2

    from betool.aiohttp_transport import AiohttpTransport

    body = {"model": "floor", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    timed: list[tuple[float, float, str]] = []
    clients = {
        "aiohttp": httpx2.AsyncClient(timeout=10, transport=AiohttpTransport(keepalive_s=120)),
        "httpx2": httpx2.AsyncClient(timeout=10),
    }
    try:
        for index in itertools.count():
            if stop.is_set():
                break
            kind = FLOOR_TRANSPORTS[index % len(FLOOR_TRANSPORTS)]
            sent, first = time.perf_counter(), None
            async with clients[kind].stream(
                "POST", f"{url}/chat/completions", json=body, headers={HTTP_FLOOR_HEADER: "1"}
            ) as response:
                async for line in response.aiter_lines():
                    if first is None and line.startswith("data: {") and _has_text(line[6:]):
                        first = time.perf_counter()
            if first is not None:
                timed.append((sent, first, kind))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HTTP_FLOOR_GAP_S)
    finally:
        for client in clients.values():
            await client.aclose()
    return timed


def _has_text(event: str) -> bool:
    choices = json.loads(event).get("choices") or [{}]
    return bool(choices[0].get("delta", {}).get("content"))


def http_floor_ms(timed: list[tuple[float, float, str]], stub: list[Any]) -> dict[str, list[float]]:
    """Each floor request's time to its first text, less the stub's own time for it (the
    requests went one at a time, so the stub's floor moments are theirs, in order), by
    transport."""
    own = [moment for moment in stub if moment[2]]
    by_transport: dict[str, list[float]] = {kind: [] for kind in FLOOR_TRANSPORTS}
    for (sent, first, kind), (arrived, answered, _) in zip(timed, own, strict=False):
        by_transport[kind].append(((first - sent) - (answered - arrived)) * 1000)
    return by_transport


async def start_llm_stub(workdir: Path) -> tuple[asyncio.subprocess.Process, str]:
    stub = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve-llm", "--workdir", str(workdir),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert stub.stdout is not None
    url = (await asyncio.wait_for(stub.stdout.readline(), 60)).decode().strip()
    if not url:
        sys.exit("the bench's LLM stub did not start")
    return stub, url


async def stop_llm_stub(stub: asyncio.subprocess.Process, workdir: Path) -> list[Any]:
    assert stub.stdin is not None
    stub.stdin.close()
    await asyncio.wait_for(stub.wait(), 30)
    trace_file = workdir / "llm_trace.json"
    return json.loads(trace_file.read_text()) if trace_file.exists() else []


async def start_worker(
    agent_name: str, workdir: Path, *, bare: str | None = None
) -> asyncio.subprocess.Process:
    (workdir / "registered").unlink(missing_ok=True)
    worker = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", agent_name, "--workdir", str(workdir),
        *(["--bare", bare] if bare else []),
        stdin=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while not (workdir / "registered").exists():
        if worker.returncode is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                worker.kill()
            sys.exit("the bench's worker did not register with livekit-server")
        await asyncio.sleep(0.2)
    return worker


async def stop_worker(worker: asyncio.subprocess.Process, workdir: Path) -> dict[str, Any]:
    assert worker.stdin is not None
    worker.stdin.close()
    try:
        await asyncio.wait_for(worker.wait(), 30)
    except TimeoutError:
        worker.kill()
        await worker.wait()
    trace_file = workdir / "trace.json"
    trace = json.loads(trace_file.read_text()) if trace_file.exists() else {}
    trace_file.unlink(missing_ok=True)
    return trace


async def library_floor(
    callers: list[int], name: str, place: Callable[..., Any], workdir: Path, media: str
) -> list[dict[str, Any]]:
    """The concurrency run again, on a bare livekit-agents worker (``bare_entrypoint``,
    with ``media``) registered as ``name``, which ``place`` dispatches to."""
    worker = await start_worker(name, workdir, bare=media)
    floor: list[dict[str, Any]] = []
    try:
        for count in callers:
            floor.append(await many_callers(count, place, worker.pid))
            print(f"library ({media} media)", floor[-1], file=sys.stderr, flush=True)
            await asyncio.sleep(2)
    finally:
        await stop_worker(worker, workdir)
    return floor


async def run(
    turns: int,
    env: Any,
    callers: list[int],
    modes_run: list[str],
    workdir: Path,
    floors: Sequence[str] = BARE_MEDIA,
) -> dict[str, Any]:
    from asgiref.sync import sync_to_async

    llm_stub, llm_url = await start_llm_stub(workdir)
    number = await sync_to_async(create_number)(llm_url)
    agent_name = f"betool-bench-{uuid.uuid4().hex[:6]}"

    def placer(name: str) -> Callable[..., Any]:
        def place(mode: str, turns: int, warmup: int) -> Any:
            return _caller_turns(env, name, number, mode, turns, warmup)

        return place

    place = placer(agent_name)

    modes: dict[str, Any] = {}
    concurrency: list[dict[str, Any]] = []
    worker = await start_worker(agent_name, workdir)
    try:
        floor = await transport_floor(env)
        print("transport floor", floor, file=sys.stderr, flush=True)
        stop_http_floor = asyncio.Event()
        http_floor = asyncio.create_task(llm_http_floor(llm_url, stop_http_floor))
        for mode in modes_run:
            modes[mode] = await one_caller(mode, turns, place)
            print(mode, {k: v for k, v in modes[mode].items() if k != "moments"}, file=sys.stderr)
            await asyncio.sleep(2)
        stop_http_floor.set()
        http_floor_timed = await http_floor
        for count in callers:
            concurrency.append(await many_callers(count, place, worker.pid))
            print(concurrency[-1], file=sys.stderr, flush=True)
            await asyncio.sleep(2)
    finally:
        TRACE.update(await stop_worker(worker, workdir))
    library: dict[str, list[dict[str, Any]]] = {}
    for media in floors:
        bare_name = f"{agent_name}-bare-{media}"
        library[media] = await library_floor(callers, bare_name, placer(bare_name), workdir, media)
    llm_moments = await stop_llm_stub(llm_stub, workdir)
    TRACE["llm_stub"] = [moment[:2] for moment in llm_moments if not moment[2]]
    http_floors = http_floor_ms(http_floor_timed, llm_moments)
    http_floor_samples = http_floors["aiohttp"]
    http_floor_p50 = percentile(http_floor_samples, 0.5)
    for media, floor_runs in library.items():
        ratio = "cpu_vs_library" if media == "today" else f"cpu_vs_library_{media}_media"
        for ours, theirs in zip(concurrency, floor_runs, strict=True):
            if theirs["worker_cpu_per_call_pct"]:
                ours[ratio] = round(
                    ours["worker_cpu_per_call_pct"] / theirs["worker_cpu_per_call_pct"], 2
                )
    for mode, figures in modes.items():
        moments = figures.pop("moments")
        figures["overhead_parts_p50_ms"] = {
            **overhead_parts(mode, moments),
            **betool_parts(moments),
        }
    headline = modes.get("stt") or modes["vad"]
    single_p95 = headline["overhead_p95_ms"]
    doubled = next(
        (c["callers"] for c in concurrency if c["overhead_p95_ms"] >= 2 * single_p95), None
    )
    floor_p50 = percentile(floor, 0.5)
    first_turn = min(TRACE["graph"], default=math.inf)
    for figures in modes.values():
        figures["overhead_above_transport_p50_ms"] = round(
            figures["overhead_p50_ms"] - 2 * floor_p50, 1
        )
        figures["overhead_above_transport_p95_ms"] = round(
            figures["overhead_p95_ms"] - 2 * floor_p50, 1
        )
    return {
        "bench": "voice_latency",
        "stub_stt_final_ms": STT_FINAL_S * 1000,
        "stub_stt_batch_ms": STT_BATCH_S * 1000,
        "stub_llm_first_token_ms": LLM_FIRST_TOKEN_S * 1000,
        "stub_tts_first_audio_ms": TTS_FIRST_AUDIO_S * 1000,
        "vad_silence_ms": round(vad_silence_s() * 1000, 1),
        # The headline: streaming recognizer endpointing, against the 100 ms target.
        "overhead_p50_ms": headline["overhead_p50_ms"],
        "overhead_p95_ms": single_p95,
        "target_overhead_p95_ms": 100,
        # The baseline: one hop through livekit-server, paid twice per turn (in and out).
        "transport_floor_p50_ms": round(floor_p50, 1),
        "transport_floor_p95_ms": round(percentile(floor, 0.95), 1),
        "overhead_above_transport_p95_ms": headline["overhead_above_transport_p95_ms"],
        "target_overhead_above_transport_p95_ms": 30,
        # betool's own part of a turn (graph to first text, text to first TTS frame), p95.
        "betool_turn_p95_ms": {
            part: headline["overhead_parts_p50_ms"].get(f"betool_turn_{part}_p95")
            for part in ("graph_to_text", "text_to_audio")
        },
        "target_betool_turn_p95_ms": 5,
        # The baseline of graph to text: the same HTTP hop to the LLM stub without the SDK,
        # betool or the call (the stub's own time taken off, as from the worker's figure).
        "llm_http_floor_p50_ms": round(http_floor_p50, 1),
        "llm_http_floor_p95_ms": round(percentile(http_floor_samples, 0.95), 1),
        "llm_http_floor_samples": len(http_floor_samples),
        # The same hop through httpx2's own transport (the SDKs' default), alternating with
        # the first: what betool's aiohttp transport saves each turn's request.
        "llm_http_floor_httpx2_p50_ms": round(percentile(http_floors["httpx2"], 0.5), 1),
        "llm_http_floor_httpx2_p95_ms": round(percentile(http_floors["httpx2"], 0.95), 1),
        "llm_http_floor_p50_vs_httpx2": round(
            http_floor_p50 / percentile(http_floors["httpx2"], 0.5), 2
        ),
        "betool_turn_graph_to_text_above_http_floor_p95_ms": round(
            (headline["overhead_parts_p50_ms"].get("betool_turn_graph_to_text_p95") or math.nan)
            - http_floor_p50,
            1,
        ),
        "worker_cpu_per_call_pct_at_most_callers": (
            concurrency[-1]["worker_cpu_per_call_pct"] if concurrency else None
        ),
        "target_worker_cpu_per_call_pct": 5,
        # betool's worker over the whole run: its full garbage collections and the longest.
        "worker_gc_full_collections": len(TRACE["gc_full"]),
        "worker_gc_full_max_ms": max((ms for _, ms in TRACE["gc_full"]), default=0.0),
        # Those after the first call's first turn began: the ones a caller could hear.
        "worker_gc_full_during_calls_max_ms": max(
            (ms for began, ms in TRACE["gc_full"] if began >= first_turn), default=0.0
        ),
        "modes": modes,
        "concurrency": concurrency,
        # livekit-agents alone, same stubs and callers: its per-call floor, by the media
        # its session asks for: the library's defaults with 20 ms frames, as betool's calls
        # asked before (``today``; each N's ``cpu_vs_library`` is betool's CPU per call over
        # it), and betool's own choices (``betool``; ``cpu_vs_library_betool_media``: what
        # betool adds to the library on the same media).
        "library_floor": library,
        # None: the p95 overhead had not doubled at the largest N tried.
        "callers_when_overhead_p95_doubles": doubled,
        "cpu_count": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=24)
    parser.add_argument(
        "--callers",
        default="1,2,4,8",
        help="comma-separated numbers of simultaneous callers for the concurrency run",
    )
    parser.add_argument(
        "--modes", default="stt,vad", help="turn detections to measure one caller with"
    )
    parser.add_argument(
        "--floors",
        default=",".join(BARE_MEDIA),
        help="the bare livekit-agents floors to measure: today's media, betool's, or both",
    )
    parser.add_argument("--serve", metavar="AGENT_NAME", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bare", choices=BARE_MEDIA, help=argparse.SUPPRESS)
    parser.add_argument("--serve-llm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_llm:  # the LLM stub's process
        asyncio.run(serve_llm(args.workdir))
        return
    if args.serve:  # the worker process the bench starts
        setup_django()
        asyncio.run(serve(args.serve, args.workdir, bare=args.bare))
        return
    modes = [m for m in ("stt", "vad") if m in args.modes.split(",")] or ["stt"]
    from tests.voice import harness

    try:
        env = harness.livekit_env()
    except harness.VoiceEnvMissing as exc:
        sys.exit(str(exc))
    with tempfile.TemporaryDirectory(prefix="betool-bench-") as workdir:
        setup_django(Path(workdir))
        callers = sorted({int(n) for n in args.callers.split(",") if n.strip()})
        floors = [m for m in BARE_MEDIA if m in args.floors.split(",")]
        figures = asyncio.run(run(max(20, args.turns), env, callers, modes, Path(workdir), floors))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
