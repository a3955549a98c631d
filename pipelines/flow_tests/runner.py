"""Runs scenarios through a test session: the production engine, compiled once per suite,
the call-control tools acting on the session, exactly as the editor's test panel runs it.

A scenario with canned model answers gets a registry whose every model plays them; one
without uses the workspace's models (``live_providers``), as a real call would.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from betool.models import Workspace
from pipelines.engine import CompiledGraph, ProviderRegistry
from pipelines.flow_tests.canned import canned_registry
from pipelines.flow_tests.expectations import Failure, MentionJudge, check_all
from pipelines.flow_tests.graph_facts import GraphFacts
from pipelines.flow_tests.observation import Observed, merged
from pipelines.flow_tests.silence import Listening, ScenarioClock, stay_silent
from pipelines.flow_tests.spec import Scenario, Step
from pipelines.test_session import TestSession, build_test_session

ProvidersFactory = Callable[[], ProviderRegistry]


@dataclass(slots=True)
class StepResult:
    index: int
    kind: str
    caller: str
    said: str
    nodes: list[str]
    failures: list[Failure]
    trace: dict[str, Any] | None
    # By voice: what the caller heard (transcribed), and from the end of its speech to the
    # agent's first audio.
    heard: str | None = None
    response_ms: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.kind,
            "caller": self.caller,
            "said": self.said,
            "nodes": self.nodes,
            "passed": not self.failures,
            "failures": [failure.as_dict() for failure in self.failures],
            "trace": self.trace,
            "heard": self.heard,
            "response_ms": None if self.response_ms is None else round(self.response_ms, 1),
        }


@dataclass(slots=True)
class ScenarioResult:
    scenario_id: str
    name: str
    greeting: str = ""
    steps: list[StepResult] = field(default_factory=list)
    end_failures: list[Failure] = field(default_factory=list)
    error: str | None = None
    ms: float = 0.0
    branches: set[tuple[str, str]] = field(default_factory=set)
    # Simulated callers: runs and how many passed (a scripted scenario is one run).
    runs: int = 1
    runs_passed: int = 0
    min_pass_rate: float = 1.0
    transcript: list[dict[str, str]] = field(default_factory=list)
    # How it ran: through the engine in this process, or spoken to the voice worker.
    mode: str = "text"

    @property
    def passed(self) -> bool:
        if self.runs > 1 or self.min_pass_rate < 1.0:
            return self.error is None and self.runs_passed / self.runs >= self.min_pass_rate
        return (
            self.error is None
            and not self.end_failures
            and all(not step.failures for step in self.steps)
        )

    @property
    def first_failure(self) -> dict[str, Any] | None:
        for step in self.steps:
            if step.failures:
                return {"step": step.index, **step.failures[0].as_dict()}
        if self.end_failures:
            return {"step": None, **self.end_failures[0].as_dict()}
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario_id": self.scenario_id,
            "name": self.name,
            "passed": self.passed,
            "ms": round(self.ms, 3),
            "greeting": self.greeting,
            "steps": [step.as_dict() for step in self.steps],
            "end_failures": [failure.as_dict() for failure in self.end_failures],
            "first_failure": self.first_failure,
            "error": self.error,
            "runs": self.runs,
            "runs_passed": self.runs_passed,
            "pass_rate": round(self.runs_passed / self.runs, 3) if self.runs else 0.0,
            "transcript": self.transcript,
            "mode": self.mode,
        }


def canned_providers(scenario: Scenario) -> ProviderRegistry:
    """Every model name resolves to the scenario's one canned player."""
    return canned_registry(scenario.model_answers or [])


def session_for(
    *,
    compiled: CompiledGraph,
    scenario: Scenario,
    workspace: Workspace,
    pipeline_id: int,
    live_providers: ProvidersFactory,
) -> TestSession:
    providers = (
        canned_providers(scenario) if scenario.model_answers is not None else live_providers()
    )
    return build_test_session(
        compiled=compiled,
        providers=providers,
        workspace=workspace,
        pipeline_id=pipeline_id,
        session_id=f"suite-{scenario.id}-{uuid.uuid4().hex[:8]}",
        caller_number=scenario.caller_number,
        variables=scenario.variables,
    )


async def greet(session: TestSession) -> Observed:
    seen = Observed()
    async for event in session.greet():
        seen.add_event(event)
    return seen


@dataclass(slots=True)
class CallLine:
    """The session, and the call around it that a text run plays: the clock, the waits on
    the caller's silence, and whether the silence timeout hung up."""

    session: TestSession
    listening: Listening
    clock: ScenarioClock
    hung_up: bool = False

    @property
    def ended(self) -> bool:
        return self.hung_up or self.session.conversation.ended

    async def hang_up(self) -> None:
        self.hung_up = True


async def caller_turn(line: CallLine, step: Step) -> Observed | None:
    """What the caller does, as the session would get it; None for a hang-up."""
    session = line.session
    if step.kind == "hangup":
        return None
    if step.kind == "silence":
        return await stay_silent(
            seconds=step.seconds,
            listening=line.listening,
            clock=line.clock,
            # As the worker does when the wait for a key ends: a turn with no digits.
            no_digits_turn=lambda: session.run_turn("", digits=""),
            hang_up=line.hang_up,
        )
    if step.kind == "transfer_outcome" and step.outcome is not None:
        # As the voice worker does when the network answers: the conversation goes on from
        # the Transfer node's output for it, in a turn of its own.
        session.conversation.resume()
        session.conversation.continue_on(step.outcome)
        text, digits = "", None
    elif step.kind == "voicemail":
        # As the voice worker does on a machine's verdict; an open voicemail output is a
        # call the worker hangs up without a word.
        if not session.conversation.answered_by_machine():
            return Observed()
        text, digits = "", None
    elif step.kind == "digits":
        text, digits = "", step.digits
    else:
        text, digits = step.text, None
    seen = Observed()
    async for event in session.run_turn(text, digits=digits):
        seen.add_event(event)
    line.listening.after_turn(seen, caller_acted=step.kind in ("say", "digits"))
    return seen


def caller_words(step: Step) -> str:
    if step.kind == "digits":
        return f"presses {step.digits}"
    if step.kind == "silence":
        return f"stays silent {step.seconds:g} s"
    if step.kind == "hangup":
        return "hangs up"
    if step.kind == "transfer_outcome":
        return f"the transfer is {(step.outcome or '').replace('_', ' ')}"
    if step.kind == "voicemail":
        return "a voicemail answers"
    return step.text


async def run_scenario(
    *,
    compiled: CompiledGraph,
    scenario: Scenario,
    workspace: Workspace,
    pipeline_id: int,
    live_providers: ProvidersFactory,
    judge: MentionJudge | None = None,
    clock: ScenarioClock | None = None,
) -> ScenarioResult:
    """A scripted scenario, step by step; a step after the call ended is a failure.

    Silence steps move ``clock`` (a fresh one by default), never the wall clock."""
    began = perf_counter()
    result = ScenarioResult(scenario.id, scenario.name)
    session = session_for(
        compiled=compiled,
        scenario=scenario,
        workspace=workspace,
        pipeline_id=pipeline_id,
        live_providers=live_providers,
    )
    line = CallLine(session, Listening(scenario.silence_timeout_s), clock or ScenarioClock())
    try:
        # A voicemail answering: the worker speaks its branch instead of the greeting.
        answered_by_machine = bool(scenario.steps) and scenario.steps[0].kind == "voicemail"
        greeting = Observed() if answered_by_machine else await greet(session)
        line.listening.after_turn(greeting, caller_acted=False)
        result.greeting = greeting.text
        turns = [greeting]
        for index, step in enumerate(scenario.steps, start=1):
            if line.ended and step.kind not in ("hangup", "transfer_outcome"):
                failure = Failure("call", f"the call still open at step {index}", "it had ended")
                result.steps.append(
                    StepResult(index, step.kind, caller_words(step), "", [], [failure], None)
                )
                break
            seen = await caller_turn(line, step)
            if seen is None:
                result.steps.append(
                    StepResult(index, step.kind, caller_words(step), "", [], [], None)
                )
                break
            turns.append(seen)
            failures = await check_all(step.expect, seen, judge=judge)
            result.steps.append(
                StepResult(
                    index,
                    step.kind,
                    caller_words(step),
                    seen.text,
                    seen.nodes,
                    failures,
                    seen.traces[-1] if seen.traces else None,
                )
            )
        call = merged(turns)
        result.end_failures = await check_all(scenario.expect, call, judge=judge)
        result.branches = set(call.branches)
        result.transcript = list(session.conversation.history)
        result.runs_passed = 1 if result.passed else 0
    except Exception as error:  # noqa: BLE001 - a broken scenario must not stop the suite
        result.error = f"{type(error).__name__}: {error}"
    finally:
        await session.close()
        result.ms = (perf_counter() - began) * 1000
    return result


@dataclass(slots=True)
class SuiteResult:
    scenarios: list[ScenarioResult]
    facts: GraphFacts
    version: str
    ms: float
    mode: str = "text"

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.scenarios)

    def coverage(self) -> dict[str, Any]:
        exercised: set[tuple[str, str]] = set()
        for result in self.scenarios:
            exercised |= result.branches
        outputs = self.facts.branch_points()
        uncovered = [ref for ref in outputs if (ref.node_id, ref.handle) not in exercised]
        return {
            "outputs": len(outputs),
            "exercised": len(outputs) - len(uncovered),
            "uncovered": [
                {"node_id": ref.node_id, "handle": ref.handle, "edge_id": ref.edge_id}
                for ref in uncovered
            ],
            "exercised_outputs": sorted([node, handle] for node, handle in exercised),
        }

    def as_dict(self) -> dict[str, Any]:
        failed = sum(not result.passed for result in self.scenarios)
        return {
            "version": self.version,
            "mode": self.mode,
            "passed": self.passed,
            "total": len(self.scenarios),
            "failed": failed,
            "ms": round(self.ms, 3),
            "scenarios": [result.as_dict() for result in self.scenarios],
            "coverage": self.coverage(),
        }


async def run_suite(
    *,
    compiled: CompiledGraph,
    facts: GraphFacts,
    scenarios: Sequence[Scenario],
    workspace: Workspace,
    pipeline_id: int,
    version: str,
    live_providers: ProvidersFactory,
    judge: MentionJudge | None = None,
    simulate: Callable[[Scenario], Any] | None = None,
    play: Callable[[Scenario], Awaitable[ScenarioResult]] | None = None,
) -> SuiteResult:
    """Scenarios one after another (a suite is a designer's, not a load test). ``play``
    runs the scripted ones instead of the engine here (by voice)."""
    began = perf_counter()
    results = []
    for scenario in scenarios:
        if scenario.simulated is not None:
            if simulate is None:
                result = ScenarioResult(scenario.id, scenario.name)
                result.error = "A simulated caller needs a language model: configure one."
            else:
                result = await simulate(scenario)
        elif play is not None:
            result = await play(scenario)
        else:
            result = await run_scenario(
                compiled=compiled,
                scenario=scenario,
                workspace=workspace,
                pipeline_id=pipeline_id,
                live_providers=live_providers,
                judge=judge,
            )
        results.append(result)
    return SuiteResult(results, facts, version, (perf_counter() - began) * 1000)
