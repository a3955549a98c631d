"""Voice latency through a real livekit-server: caller's end of speech → first agent audio.

A caller (LiveKit Python SDK) speaks a short espeak-ng utterance per turn; the betool worker
code (the real AgentServer, session, agent and engine, in this process with the thread
executor) answers through a rule-only graph. STT and TTS are stubs of fixed latency, so
what is left is what betool and LiveKit add:

- ``total``: the caller's last speech frame sent → the first loud agent frame received;
- ``fixed``: what the configuration imposes: VAD end-of-speech silence + STT stub latency +
  TTS stub time to first audio (the endpointing delay runs alongside the STT);
- ``overhead`` = total - fixed: transport both ways, VAD inference, livekit-agents' turn
  handling, betool's per-turn work (graph, glue) and audio output;
- ``stt_final_to_graph``: the STT's final transcript → betool's graph starts the turn
  (livekit-agents' end-of-turn handling, including its endpointing delay);
- ``betool_turn``: betool's own per-turn time, graph start → first audio frame handed to
  LiveKit, less the TTS stub's latency (graph walk, streaming glue).

Needs LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET (scripts/services up). Ends with one
JSON line of figures. Not a test: it never fails on a number.

    uv run python bench/voice_latency.py --turns 24 --callers 1,2,4,8

The second part puts N callers on the one worker at once (6 counted turns each) and reports,
per N, the overhead p50/p95, the CPU used per call (% of one core) and the memory added per
call, and the N at which the p95 overhead doubles from one caller's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STT_LATENCY_S = 0.200
TTS_TTFB_S = 0.080
VAD_SILENCE_S = 0.45  # the worker's Silero min_silence_duration
TRANSCRIPT = "what is my account balance"
UTTERANCE = "What is my account balance?"
ANSWER = "Your balance is positive."


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def setup_django(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betool.settings")
    # The concurrency run puts many calls on this one worker: lift its per-process cap.
    os.environ.setdefault("BETOOL_WORKER_MAX_CALLS", "64")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_number() -> str:
    from betool.models import User
    from betool.services import workspace_create
    from pipelines.models import Pipeline, PipelineVersion
    from telephony.models import PhoneNumber

    graph = {
        "schema_version": 2,
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 0, "y": 0},
             "data": {"config": {"receiver": "phone_gateway", "greeting": ""}}},
            {"id": "classify", "type": "classifier", "position": {"x": 0, "y": 0},
             "data": {"config": {"mode": "keywords", "intents": [
                 {"name": "balance", "keywords": ["balance"]}]}}},
            {"id": "answer", "type": "say", "position": {"x": 0, "y": 0},
             "data": {"config": {"text": ANSWER}}},
            {"id": "sorry", "type": "say", "position": {"x": 0, "y": 0},
             "data": {"config": {"text": "Sorry?"}}},
        ],
        "edges": [
            {"id": "e1", "source": "start", "sourceHandle": "out", "target": "classify",
             "targetHandle": "in"},
            {"id": "e2", "source": "classify", "sourceHandle": "intent:balance",
             "target": "answer", "targetHandle": "in"},
            {"id": "e3", "source": "classify", "sourceHandle": "fallback", "target": "sorry",
             "targetHandle": "in"},
        ],
        "viewport": {"x": 0, "y": 0, "zoom": 1},
        "settings": {"fallback_line": "Sorry.", "iteration_limit": 3, "turn_timeout_s": 10},
    }  # fmt: skip
    owner = User.objects.create_user(f"bench-{uuid.uuid4().hex[:6]}", "b@example.com", "x")
    workspace = workspace_create(name="Latency bench", owner=owner)
    workspace.max_concurrent_calls = 64
    workspace.save(update_fields=["max_concurrent_calls"])
    from tests.conftest import fund

    fund(workspace)
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


def stub_speech(plan: Any, vad: Any) -> tuple[Any, Any]:
    """Fixed-latency STT (batch, segmented by the session's VAD) and streaming TTS."""
    import numpy as np
    from livekit.agents import APIConnectOptions, stt, tts, utils
    from livekit.agents.language import LanguageCode

    from voice_models.local.tts import split_complete

    class StubSTT(stt.STT):
        def __init__(self) -> None:
            super().__init__(
                capabilities=stt.STTCapabilities(streaming=False, interim_results=False)
            )
            self.finals: list[float] = []

        @property
        def provider(self) -> str:
            return "stub"

        async def _recognize_impl(
            self, buffer: Any, *, language: Any = None, conn_options: APIConnectOptions
        ) -> stt.SpeechEvent:
            await asyncio.sleep(STT_LATENCY_S)
            self.finals.append(time.perf_counter())
            return stt.SpeechEvent(
                type=stt.SpeechEventType.FINAL_TRANSCRIPT,
                alternatives=[stt.SpeechData(language=LanguageCode("en"), text=TRANSCRIPT)],
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
                    await asyncio.sleep(TTS_TTFB_S)
                    for _ in range(max(10, len(sentence) * 3)):  # ~60 ms per character
                        output_emitter.push(tone.tobytes())
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
            from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS

            return StubStream(tts=self, conn_options=conn_options or DEFAULT_API_CONNECT_OPTIONS)

    recognizer = StubSTT()
    STUBS["stt"] = recognizer
    return stt.StreamAdapter(stt=recognizer, vad=vad), StubTTS()


STUBS: dict[str, Any] = {}


async def _caller_turns(
    env: Any, agent_name: str, number: str, turns: int, warmup: int
) -> tuple[str, list[float]]:
    """One caller in a room of its own: ``warmup + turns`` questions, the counted delays."""
    from tests.voice import harness

    room = f"bench-{uuid.uuid4().hex[:8]}"
    totals: list[float] = []
    caller = harness.Caller(
        env, room, attributes={"sip.trunkPhoneNumber": number, "sip.phoneNumber": "+1555000"}
    )
    try:
        await caller.join()
        await harness.dispatch(env, room=room, agent_name=agent_name, metadata={})
        try:
            await asyncio.wait_for(caller.agent_joined.wait(), 60)
        except TimeoutError:
            print(f"{room}: the agent did not join", file=sys.stderr)
            return room, []
        await asyncio.sleep(3)  # the session is up and listening
        for turn in range(turns + warmup):
            _, spoke_until = await caller.say(UTTERANCE)
            heard = await caller.hear(within=15, silence_s=0.6, transcribe=False)
            if heard.first_audio is None:
                print(f"{room} turn {turn}: no answer", file=sys.stderr)
                continue
            if turn >= warmup:
                totals.append((heard.first_audio - spoke_until) * 1000)
            await asyncio.sleep(0.3)
        await caller.leave()
    finally:
        await harness.delete_room(env, room)
    return room, totals


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def run(turns: int, env: Any, callers: list[int]) -> dict[str, Any]:
    from asgiref.sync import sync_to_async

    from telephony.worker import session as worker_session
    from telephony.worker.agent import BetoolAgent
    from telephony.worker.server import build_server

    number = await sync_to_async(create_number)()
    worker_session.build_speech = stub_speech
    graph_entries: list[float] = []
    original_llm_node = BetoolAgent.llm_node

    def timed_llm_node(self: Any, chat_ctx: Any, tools: Any, model_settings: Any) -> Any:
        graph_entries.append(time.perf_counter())
        return original_llm_node(self, chat_ctx, tools, model_settings)

    BetoolAgent.llm_node = timed_llm_node  # type: ignore[method-assign]
    agent_name = f"betool-bench-{uuid.uuid4().hex[:6]}"
    server = build_server(
        agent_name=agent_name,
        ws_url=env.url,
        api_key=env.api_key,
        api_secret=env.api_secret,
        idle_processes=1,
        executor="thread",
    )
    registered = asyncio.Event()
    server.on("worker_registered", lambda *_: registered.set())
    server_task = asyncio.create_task(server.run(devmode=True))
    betool_ms: list[float] = []
    fixed_ms = (VAD_SILENCE_S + STT_LATENCY_S + TTS_TTFB_S) * 1000
    concurrency: list[dict[str, Any]] = []
    try:
        await asyncio.wait_for(registered.wait(), 90)
        await asyncio.sleep(2)  # the warm job runner
        # One caller: the latency figures (two warm-up turns are not counted).
        room, totals = await _caller_turns(env, agent_name, number, turns, warmup=2)
        await asyncio.sleep(2)
        # N callers at once on the same worker: how overhead, CPU and memory grow.
        for count in (n for n in callers if n > 1):
            cpu_before, rss_before, began = time.process_time(), _rss_mb(), time.perf_counter()
            results = await asyncio.gather(
                *(_caller_turns(env, agent_name, number, 6, warmup=1) for _ in range(count))
            )
            wall = time.perf_counter() - began
            cpu = time.process_time() - cpu_before
            delays = [d - fixed_ms for _, caller_totals in results for d in caller_totals]
            concurrency.append({
                "callers": count,
                "unanswered_callers": sum(not caller_totals for _, caller_totals in results),
                "turns": len(delays),
                "overhead_p50_ms": round(percentile(delays, 0.5), 1),
                "overhead_p95_ms": round(percentile(delays, 0.95), 1),
                "cpu_per_call_pct": round(100 * cpu / wall / count, 1),
                "rss_mb_per_call": round(max(0.0, _rss_mb() - rss_before) / count, 1),
            })  # fmt: skip
            print(concurrency[-1], file=sys.stderr, flush=True)
            await asyncio.sleep(2)
    finally:
        await server.aclose()
        server_task.cancel()
    from telephony.models import CallTurn

    rows = await sync_to_async(
        lambda: list(CallTurn.objects.filter(call__room_name=room, sequence__gt=2)
                     .order_by("sequence").values_list("latencies", flat=True))
    )()  # fmt: skip
    finals = STUBS["stt"].finals if "stt" in STUBS else []
    hops = [
        (entry - final) * 1000
        for final, entry in zip(finals[2:], graph_entries[2:], strict=False)
        if entry >= final
    ]
    for latencies in rows:
        first_audio = latencies.get("tts_first_audio_ms")
        engine = latencies.get("engine_first_text_ms")
        if first_audio is not None and engine is not None:
            betool_ms.append(engine + first_audio - TTS_TTFB_S * 1000)
    overhead = [t - fixed_ms for t in totals]
    single_p95 = percentile(overhead, 0.95)
    doubled = next(
        (c["callers"] for c in concurrency if c["overhead_p95_ms"] >= 2 * single_p95), None
    )
    return {
        "bench": "voice_latency",
        "turns": len(totals),
        "stub_stt_ms": STT_LATENCY_S * 1000,
        "stub_tts_ttfb_ms": TTS_TTFB_S * 1000,
        "vad_silence_ms": VAD_SILENCE_S * 1000,
        "fixed_ms": round(fixed_ms, 1),
        "total_p50_ms": round(percentile(totals, 0.5), 1),
        "total_p95_ms": round(percentile(totals, 0.95), 1),
        "total_mean_ms": round(statistics.fmean(totals), 1) if totals else None,
        "overhead_p50_ms": round(percentile(overhead, 0.5), 1),
        "overhead_p95_ms": round(percentile(overhead, 0.95), 1),
        "stt_final_to_graph_p50_ms": round(percentile(hops, 0.5), 1),
        "stt_final_to_graph_p95_ms": round(percentile(hops, 0.95), 1),
        "betool_turn_p50_ms": round(percentile(betool_ms, 0.5), 2),
        "betool_turn_p95_ms": round(percentile(betool_ms, 0.95), 2),
        "betool_share_of_total_p50": round(percentile(betool_ms, 0.5) / percentile(totals, 0.5), 4)
        if betool_ms and totals
        else None,
        "concurrency": concurrency,
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
    args = parser.parse_args()
    from tests.voice import harness

    try:
        env = harness.livekit_env()
    except harness.VoiceEnvMissing as exc:
        sys.exit(str(exc))
    with tempfile.TemporaryDirectory(prefix="betool-bench-") as workdir:
        setup_django(Path(workdir))
        callers = sorted({int(n) for n in args.callers.split(",") if n.strip()})
        figures = asyncio.run(run(max(20, args.turns), env, callers))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
