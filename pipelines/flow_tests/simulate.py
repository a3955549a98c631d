"""Simulated callers: a language model plays a persona with a goal against the pipeline,
for up to ``max_turns`` turns, ``runs`` times; the scenario's end expectations are checked
on each run and the pass rate is what is reported."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from time import perf_counter

from betool.models import Workspace
from pipelines.engine import CompiledGraph
from pipelines.flow_tests.expectations import MentionJudge, check_all
from pipelines.flow_tests.observation import Observed, merged
from pipelines.flow_tests.runner import ScenarioResult, StepResult, greet, session_for
from pipelines.flow_tests.spec import Scenario, SimulatedCaller
from pipelines.providers import provider_registry
from voice_models.adapters import ModelConfig
from voice_models.llm.types import ChatMessage, LLMClient, Role

END_MARK = "[END]"


def _caller_system(caller: SimulatedCaller) -> str:
    return (
        "You are role-playing a caller on a phone call with a company's voice agent. "
        f"Who you are: {caller.persona}\nWhat you want: {caller.goal}\n"
        "Reply with only what you say next, one or two short sentences, as spoken words. "
        f"When your goal is met, or the agent ends the call, reply exactly {END_MARK}."
    )


async def _caller_line(
    client: LLMClient, caller: SimulatedCaller, history: Sequence[dict[str, str]]
) -> str:
    messages = [ChatMessage("system", _caller_system(caller))]
    for entry in history:
        # Roles swap: the agent is the model's interlocutor.
        role: Role = "assistant" if entry["role"] == "caller" else "user"
        messages.append(ChatMessage(role, entry["text"]))
    if len(messages) == 1:
        messages.append(ChatMessage("user", "(the call connects)"))
    text = []
    async for delta in client.stream(messages, temperature=0.7, max_tokens=120):
        text.append(delta.text)
    return "".join(text).strip()


async def _one_run(
    *,
    compiled: CompiledGraph,
    scenario: Scenario,
    workspace: Workspace,
    pipeline_id: int,
    configs: Sequence[ModelConfig],
    client: LLMClient,
    judge: MentionJudge | None,
) -> tuple[list[StepResult], list, list[dict[str, str]], set[tuple[str, str]]]:
    caller = scenario.simulated
    assert caller is not None
    session = session_for(
        compiled=compiled,
        scenario=scenario,
        workspace=workspace,
        pipeline_id=pipeline_id,
        live_providers=lambda: provider_registry(llm_configs=configs),
    )
    steps: list[StepResult] = []
    try:
        turns = [await greet(session)]
        for index in range(1, caller.max_turns + 1):
            if session.conversation.ended:
                break
            line = await _caller_line(client, caller, session.conversation.history)
            if not line or END_MARK in line:
                break
            seen = Observed()
            async for event in session.run_turn(line):
                seen.add_event(event)
            turns.append(seen)
            trace = seen.traces[-1] if seen.traces else None
            steps.append(StepResult(index, "say", line, seen.text, seen.nodes, [], trace))
        call = merged(turns)
        failures = await check_all(scenario.expect, call, judge=judge)
        return steps, failures, list(session.conversation.history), set(call.branches)
    finally:
        await session.close()


SimulateScenario = Callable[[Scenario], Awaitable[ScenarioResult]]


def simulated_runner(
    *,
    compiled: CompiledGraph,
    workspace: Workspace,
    pipeline_id: int,
    configs: Sequence[ModelConfig],
    judge: MentionJudge | None,
) -> SimulateScenario:
    async def simulate(scenario: Scenario) -> ScenarioResult:
        caller = scenario.simulated
        assert caller is not None
        began = perf_counter()
        result = ScenarioResult(scenario.id, scenario.name)
        result.runs = caller.runs
        result.min_pass_rate = caller.min_pass_rate
        players = provider_registry(llm_configs=configs)
        try:
            client = players.llm(caller.model)
            shown_failing = False
            for _ in range(caller.runs):
                steps, failures, transcript, branches = await _one_run(
                    compiled=compiled,
                    scenario=scenario,
                    workspace=workspace,
                    pipeline_id=pipeline_id,
                    configs=configs,
                    client=client,
                    judge=judge,
                )
                result.branches |= branches
                if not failures:
                    result.runs_passed += 1
                # Shown: the first failing run, else the last one.
                if not shown_failing:
                    result.steps, result.end_failures = steps, failures
                    result.transcript = transcript
                    shown_failing = bool(failures)
        # A model that cannot play the caller (whatever it raises) fails the scenario only.
        except Exception as error:  # noqa: BLE001
            result.error = f"{type(error).__name__}: {error}"
        finally:
            await players.aclose()
            result.ms = (perf_counter() - began) * 1000
        return result

    return simulate
