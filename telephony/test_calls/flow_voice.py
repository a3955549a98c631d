"""Flow test scenarios run by voice: each is a test call that the real voice worker answers,
running the draft or the version; a caller joins its LiveKit room, speaks the scenario's
lines with espeak-ng, presses its keys, stays silent for real, and listens.

The expectations are checked on what the worker recorded of the call (its turns' traces,
its events, its end), the same facts a text run reads from the engine, plus, for every
step, that what the caller heard (transcribed by the local Whisper) is what the agent
said, and how long the agent took to answer once the caller stopped speaking.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from betool.models import Workspace
from pipelines.flow_tests.expectations import Failure, MentionJudge, check_all
from pipelines.flow_tests.observation import Observed, merged
from pipelines.flow_tests.runner import ScenarioResult, StepResult, caller_words
from pipelines.flow_tests.silence import SILENCE_HANGUP
from pipelines.flow_tests.spec import Scenario, Step
from pipelines.no_input import SILENCE_GOODBYE_LINE, SILENCE_PROMPT_LINE, silence_ends_call
from telephony.test_calls.voice_caller import Caller, Heard, LiveKitEnv, similarity, transcribe_pcm

# Share of what the agent said that the caller must hear (espeak → Opus → Whisper slips).
HEARD_MATCH = 0.6
AGENT_JOIN_S = 45.0
HEAR_WITHIN_S = 20.0
# After the agent's audio ends: how long the worker may take to write the turn down.
RECORD_WITHIN_S = 8.0
CALL_END_WITHIN_S = 20.0
_UNSUPPORTED = {
    "transfer_outcome": "a transfer outcome comes from a phone network: run it as text",
}


@dataclass(slots=True)
class _Seen:
    """What the worker had recorded of the call, up to a point."""

    turn_sequence: int = -1
    event_id: int = 0


@dataclass(slots=True)
class _Records:
    turns: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    ended: bool = False
    variables: dict[str, Any] = field(default_factory=dict)

    def extend(self, later: _Records) -> None:
        self.turns += later.turns
        self.events += later.events
        self.ended, self.variables = later.ended, later.variables


def _start_call(
    *, workspace: Workspace, pipeline_id: int, version_number: int | None, scenario: Scenario
) -> tuple[int, str]:
    from pipelines.models import Pipeline
    from telephony.models import CallChannel
    from telephony.services import call_start, refuse_without_credits

    refuse_without_credits(workspace=workspace)
    pipeline = Pipeline.objects.get(pk=pipeline_id, workspace=workspace)
    version = None
    if version_number is not None:
        version = pipeline.versions.get(number=version_number)
    room = f"suite-{uuid.uuid4().hex[:12]}"
    call = call_start(
        workspace=workspace,
        room_name=room,
        from_number=scenario.caller_number,
        pipeline_version=version,
        is_test=True,
        channel=CallChannel.BROWSER_VOICE,
        pipeline_id=pipeline.pk,
    )
    return call.pk, room


def _end_unanswered(call_id: int) -> None:
    from telephony.models import Call, CallEndReason
    from telephony.services import call_end

    call_end(call=Call.objects.get(pk=call_id), reason=CallEndReason.ERROR, usage={})


def _records(call_id: int, seen: _Seen) -> _Records:
    from telephony.models import Call, CallStatus

    call = Call.objects.get(pk=call_id)
    turns = list(
        call.turns.filter(sequence__gt=seen.turn_sequence)
        .order_by("sequence")
        .values("sequence", "user_text", "agent_text", "trace", "fallback", "reason")
    )
    events = list(
        call.events.filter(pk__gt=seen.event_id).order_by("pk").values("pk", "kind", "name", "data")
    )
    if turns:
        seen.turn_sequence = turns[-1]["sequence"]
    if events:
        seen.event_id = events[-1]["pk"]
    return _Records(
        [dict(turn) for turn in turns],
        [dict(event) for event in events],
        call.status == CallStatus.ENDED,
        dict(call.variables or {}),
    )


def _actions(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The worker's action events as the engine's actions read (what the expectations know)."""
    actions = []
    for event in events:
        data = dict(event["data"] or {})
        if event["kind"] != "action":
            continue
        if event["name"] == "transfer_attempt":
            actions.append({"action": "transfer", "destination": str(data.get("target", ""))})
        elif event["name"] in ("hangup", "hold", "collect_digits"):
            actions.append({"action": event["name"], **data})
    return actions


def observed(records: _Records, variables: dict[str, Any]) -> Observed:
    """One step of the call, read from what the worker recorded, as a text run observes it."""
    seen = Observed(variables=dict(variables))
    for turn in records.turns:
        trace = dict(turn["trace"] or {})
        if turn["agent_text"]:
            seen.said.append(str(turn["agent_text"]))
        seen.add_event(
            {
                "type": "turn_end",
                "trace": trace,
                "fallback": turn["fallback"],
                "reason": turn["reason"] or trace.get("reason"),
                "variables": _variables_after(seen.variables, trace),
                "ended": False,
            }
        )
    seen.actions.extend(_actions(records.events))
    for event in records.events:
        if event["kind"] == "lifecycle" and event["name"] == "silence":
            prompts = int((event["data"] or {}).get("prompts", 0))
            if silence_ends_call(prompts):
                seen.said.append(SILENCE_GOODBYE_LINE)
                seen.actions.append(dict(SILENCE_HANGUP))
            else:
                seen.said.append(SILENCE_PROMPT_LINE)
    seen.ended = records.ended
    if records.ended and records.variables:
        seen.variables = dict(records.variables)
    return seen


def _variables_after(before: dict[str, Any], trace: dict[str, Any]) -> dict[str, Any]:
    """The variables a turn's Set variables nodes assigned (a turn's record keeps no more);
    at the end of the call, the worker's own final variables replace them."""
    after = dict(before)
    for node in trace.get("nodes", []):
        if node.get("node_type") == "set_variables" and isinstance(node.get("output"), dict):
            after.update(node["output"])
    return after


async def _check_heard(heard: Heard, said: str) -> Failure | None:
    """Transcribes what the caller heard; a failure when it is not what the agent said."""
    heard.text = await transcribe_pcm(heard.pcm, rate=heard.rate)
    if not said.strip():
        return None
    if heard.first_audio is None:
        return Failure("heard", f"the caller hears {said!r}", "heard nothing")
    if similarity(heard.text, said) >= HEARD_MATCH:
        return None
    return Failure("heard", f"the caller hears {said!r}", f"heard {heard.text!r}")


@dataclass
class _VoiceCall:
    caller: Caller
    call_id: int
    seen: _Seen = field(default_factory=_Seen)
    variables: dict[str, Any] = field(default_factory=dict)

    async def recorded(self, *, want_turn: bool) -> _Records:
        """What the worker recorded since the last look; waits for a turn when one is due."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + (RECORD_WITHIN_S if want_turn else 0.0)
        found = _Records()
        while True:
            found.extend(await sync_to_async(_records)(self.call_id, self.seen))
            if found.turns or found.ended or loop.time() >= give_up:
                break
            await asyncio.sleep(0.25)
        # An event of the same moment (an action, a silence prompt) may be written just after.
        await asyncio.sleep(0.3)
        found.extend(await sync_to_async(_records)(self.call_id, self.seen))
        return found

    async def step(self, step: Step) -> tuple[Observed, Heard, float | None]:
        caller = self.caller
        mark = caller.mark()
        spoke_at: float | None = None
        if step.kind == "say":
            _, spoke_at = await caller.say(step.text)
            heard = await caller.hear(within=HEAR_WITHIN_S, transcribe=False)
        elif step.kind == "digits":
            for task in caller.publish_dtmf(step.digits):
                await task
            heard = await caller.hear(within=HEAR_WITHIN_S, transcribe=False)
        else:  # silence: for real, then whatever the agent said meanwhile
            await asyncio.sleep(step.seconds)
            heard = await caller.hear(since=mark, within=3.0, transcribe=False)
        records = await self.recorded(want_turn=step.kind in ("say", "digits"))
        seen = observed(records, self.variables)
        self.variables = seen.variables
        response_ms = None
        if spoke_at is not None and heard.first_audio is not None:
            response_ms = (heard.first_audio - spoke_at) * 1000
            seen.response_ms.append(response_ms)
        return seen, heard, response_ms


class LiveKitVoicePlayer:
    """Registered with pipelines' flow tests: scenarios by voice through this LiveKit."""

    def unavailable(self) -> str | None:
        if not settings.LIVEKIT_ENABLED:
            return (
                "Running tests by voice needs a LiveKit server (LIVEKIT_URL and its keys) and "
                "the voice worker ('betool worker'); this installation has no LiveKit."
            )
        return None

    async def play(
        self,
        *,
        workspace: Workspace,
        pipeline_id: int,
        version_number: int | None,
        scenario: Scenario,
        judge: MentionJudge | None,
    ) -> ScenarioResult:
        began = perf_counter()
        result = ScenarioResult(scenario.id, scenario.name, mode="voice")
        unsupported = [_UNSUPPORTED[s.kind] for s in scenario.steps if s.kind in _UNSUPPORTED]
        if unsupported:
            result.error = f"This scenario cannot run by voice: {unsupported[0]}."
            return result
        try:
            await self._play(workspace, pipeline_id, version_number, scenario, judge, result)
        # A scenario that cannot be played (whatever it raises) must not stop the suite.
        except Exception as error:  # noqa: BLE001
            result.error = f"{type(error).__name__}: {error}"
        result.runs_passed = 1 if result.passed else 0
        result.ms = (perf_counter() - began) * 1000
        return result

    async def _play(
        self,
        workspace: Workspace,
        pipeline_id: int,
        version_number: int | None,
        scenario: Scenario,
        judge: MentionJudge | None,
        result: ScenarioResult,
    ) -> None:
        from telephony.provisioning.dispatch import dispatch_agent

        call_id, room = await sync_to_async(_start_call)(
            workspace=workspace,
            pipeline_id=pipeline_id,
            version_number=version_number,
            scenario=scenario,
        )
        env = LiveKitEnv(
            settings.LIVEKIT_URL, settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET
        )
        caller = Caller(env, room, attributes=dict(scenario.attributes))
        line = _VoiceCall(caller, call_id, variables=dict(scenario.variables))
        heard_steps: list[tuple[StepResult, Heard]] = []
        greeting_heard = Heard(b"", None, None)
        turns: list[Observed] = []
        try:
            await caller.join()
            await dispatch_agent(room_name=room, metadata=dispatch_metadata(call_id, scenario))
            try:
                await asyncio.wait_for(caller.agent_joined.wait(), timeout=AGENT_JOIN_S)
            except TimeoutError:
                result.error = (
                    f"No voice worker answered within {AGENT_JOIN_S:g} s: is 'betool worker' "
                    "running against this LiveKit server?"
                )
                await sync_to_async(_end_unanswered)(call_id)
                return
            # Transcribed after the call: a caller does not pause to think about each line.
            greeting_heard = await caller.hear(within=HEAR_WITHIN_S, transcribe=False)
            greeting = observed(await line.recorded(want_turn=True), line.variables)
            line.variables = greeting.variables
            result.greeting = greeting.text
            turns = [greeting]
            for index, step in enumerate(scenario.steps, start=1):
                words = caller_words(step)
                ended = turns[-1].ended or caller.agent_left.is_set()
                if step.kind == "hangup" or ended:
                    failures = (
                        []
                        if step.kind == "hangup"
                        else [
                            Failure("call", f"the call still open at step {index}", "it had ended")
                        ]
                    )
                    result.steps.append(StepResult(index, step.kind, words, "", [], failures, None))
                    break
                seen, heard, response_ms = await line.step(step)
                turns.append(seen)
                failures = await check_all(step.expect, seen, judge=judge)
                stepped = StepResult(
                    index,
                    step.kind,
                    words,
                    seen.text,
                    seen.nodes,
                    failures,
                    seen.traces[-1] if seen.traces else None,
                    response_ms=response_ms,
                )
                result.steps.append(stepped)
                heard_steps.append((stepped, heard))
            await _await_agent_hangup(caller, turns)
        finally:
            await caller.leave()
        greeting_failure = await _check_heard(greeting_heard, result.greeting)
        if greeting_failure is not None:
            result.end_failures.append(greeting_failure)
        for stepped, heard in heard_steps:
            failure = await _check_heard(heard, stepped.said)
            stepped.heard = heard.text
            if failure is not None:
                stepped.failures.append(failure)
        ending = await _call_end(line)
        turns.append(ending)
        call = merged(turns)
        result.end_failures += await check_all(scenario.expect, call, judge=judge)
        result.branches = set(call.branches)
        with contextlib.suppress(Exception):
            await _delete_room(env, room)


def dispatch_metadata(call_id: int, scenario: Scenario) -> dict[str, Any]:
    """What the worker is told beyond the test call: the scenario's variables, its number's
    silence timeout, and its canned model answers (a deterministic suite by voice too)."""
    metadata: dict[str, Any] = {
        "call_id": call_id,
        "variables": dict(scenario.variables),
        "silence_timeout_s": scenario.silence_timeout_s,
    }
    if scenario.model_answers is not None:
        metadata["model_answers"] = [a.model_dump(mode="json") for a in scenario.model_answers]
    return metadata


async def _await_agent_hangup(caller: Caller, turns: list[Observed]) -> None:
    """When the flow hung up, the worker takes the caller out after its goodbye: the caller
    waits for that, so the call ends as the flow ended it (a caller leaving first would
    record a caller's hang-up, racing the worker by a fraction of a second)."""
    if not any(action["action"] == "hangup" for seen in turns for action in seen.actions):
        return
    # The worker closes the room: the caller sees the agent leave, or its own disconnection.
    waits = [
        asyncio.ensure_future(caller.agent_left.wait()),
        asyncio.ensure_future(caller.disconnected.wait()),
    ]
    try:
        await asyncio.wait(waits, timeout=CALL_END_WITHIN_S, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


async def _call_end(line: _VoiceCall) -> Observed:
    """The call once the worker closed it: its last records and final variables."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + CALL_END_WITHIN_S
    found = _Records()
    while loop.time() < give_up:
        found.extend(await sync_to_async(_records)(line.call_id, line.seen))
        if found.ended:
            break
        await asyncio.sleep(0.25)
    return observed(found, line.variables)


async def _delete_room(env: LiveKitEnv, room: str) -> None:
    from livekit import api

    async with api.LiveKitAPI(env.url, env.api_key, env.api_secret) as lk:
        await lk.room.delete_room(api.DeleteRoomRequest(room=room))
