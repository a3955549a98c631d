"""Each expectation kind checked against what was observed: ``None`` when it holds, else a
``Failure`` saying what was expected and what happened instead, in a designer's words."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from pipelines.flow_tests.observation import Observed
from pipelines.flow_tests.spec import (
    ActionExpectation,
    BranchExpectation,
    Expectation,
    IntentExpectation,
    LatencyExpectation,
    NoFallbackExpectation,
    NotVisitedExpectation,
    SaidExpectation,
    VariableExpectation,
    VisitedExpectation,
)

# Asks a model whether ``said`` mentions ``topic``; None when no model can judge.
MentionJudge = Callable[[str, str], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class Failure:
    kind: str
    expected: str
    observed: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "expected": self.expected, "observed": self.observed}


def _path(nodes: Sequence[str]) -> str:
    return " → ".join(nodes) if nodes else "no node"


def _in_order(wanted: Sequence[str], seen: Sequence[str]) -> bool:
    remaining = iter(seen)
    return all(any(node == want for node in remaining) for want in wanted)


def _visited(expect: VisitedExpectation, seen: Observed) -> Failure | None:
    if expect.mode == "exactly":
        ok = list(seen.nodes) == expect.nodes
        wanted = f"exactly {_path(expect.nodes)}"
    elif expect.mode == "in_order":
        ok = _in_order(expect.nodes, seen.nodes)
        wanted = f"in this order: {_path(expect.nodes)}"
    else:
        ok = set(expect.nodes) <= set(seen.nodes)
        wanted = f"visits {', '.join(expect.nodes)}"
    return None if ok else Failure("visited", wanted, _path(seen.nodes))


def _not_visited(expect: NotVisitedExpectation, seen: Observed) -> Failure | None:
    hit = [node for node in expect.nodes if node in seen.nodes]
    if not hit:
        return None
    return Failure("not_visited", f"never visits {', '.join(expect.nodes)}", _path(seen.nodes))


def _branch(expect: BranchExpectation, seen: Observed) -> Failure | None:
    if (expect.node, expect.output) in seen.branches:
        return None
    taken = [handle for node, handle in seen.branches if node == expect.node]
    observed = (
        f"{expect.node} left by {', '.join(taken)}"
        if taken
        else f"{expect.node} was not left by any output"
    )
    return Failure("branch", f"{expect.node} left by {expect.output}", observed)


def _intent(expect: IntentExpectation, seen: Observed) -> Failure | None:
    wanted = expect.equals or None
    if seen.intent == wanted:
        return None
    return Failure("intent", f"intent {wanted or 'none'}", f"intent {seen.intent or 'none'}")


def _variable(expect: VariableExpectation, seen: Observed) -> Failure | None:
    present = expect.name in seen.variables and seen.variables[expect.name] not in (None, "")
    value = seen.variables.get(expect.name)
    observed = f"{expect.name} = {value!r}" if present else f"{expect.name} is not set"
    if not expect.is_set:
        return None if not present else Failure("variable", f"{expect.name} not set", observed)
    if expect.equals is None:
        return None if present else Failure("variable", f"{expect.name} is set", observed)
    if present and str(value) == str(expect.equals):
        return None
    return Failure("variable", f"{expect.name} = {expect.equals!r}", observed)


def _describe_actions(seen: Observed) -> str:
    if not seen.actions:
        return "no call action"
    parts = []
    for action in seen.actions:
        destination = action.get("destination")
        parts.append(f"{action['action']} to {destination}" if destination else action["action"])
    return ", ".join(parts)


def _action(expect: ActionExpectation, seen: Observed) -> Failure | None:
    if expect.action == "digits_collected":
        return _digits(expect, seen)
    wanted = expect.action + (f" to {expect.destination}" if expect.destination else "")
    for action in seen.actions:
        if action["action"] != expect.action:
            continue
        if expect.destination and str(action.get("destination", "")) != expect.destination:
            continue
        return None
    return Failure("action", wanted, _describe_actions(seen))


def _digits(expect: ActionExpectation, seen: Observed) -> Failure | None:
    collected = [
        (trace_step["node_id"], str(trace_step.get("output")))
        for trace in seen.traces
        for trace_step in trace.get("nodes", [])
        if trace_step.get("node_type") == "collect_digits" and trace_step.get("branch") == "out"
    ]
    wanted = f"digits {expect.digits} collected" if expect.digits else "digits collected"
    if collected and (not expect.digits or any(d == expect.digits for _, d in collected)):
        return None
    observed = ", ".join(f"{digits} at {node}" for node, digits in collected) or "no digits"
    return Failure("action", wanted, observed)


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"\w+", text.casefold()) if len(word) > 3}


async def _said(
    expect: SaidExpectation, seen: Observed, judge: MentionJudge | None
) -> Failure | None:
    said = seen.text
    observed = f"said: {said!r}" if said else "said nothing"
    if expect.match == "contains":
        ok = expect.text.casefold() in said.casefold()
        wanted = f"says {expect.text!r}"
    elif expect.match == "not_contains":
        ok = expect.text.casefold() not in said.casefold()
        wanted = f"never says {expect.text!r}"
    elif expect.match == "regex":
        ok = re.search(expect.text, said, re.IGNORECASE) is not None
        wanted = f"says something matching /{expect.text}/"
    elif judge is not None:
        ok = await judge(said, expect.text)
        wanted = f"mentions {expect.text!r} (judged by a language model)"
    else:
        missing = _words(expect.text) - _words(said)
        ok = not missing
        wanted = f"mentions {expect.text!r} (judged by its words: no language model)"
    return None if ok else Failure("said", wanted, observed)


def _no_fallback(expect: NoFallbackExpectation, seen: Observed) -> Failure | None:
    if not seen.fallback:
        return None
    reasons = sorted({reason for reason in seen.reasons if reason != "completed"})
    details = [
        trace.get("detail", "") for trace in seen.traces if trace.get("reason") != "completed"
    ]
    why = "; ".join(detail for detail in details if detail) or ", ".join(reasons)
    return Failure("no_fallback", "no fallback line", f"fallback line said ({why})")


def _latency(expect: LatencyExpectation, seen: Observed) -> Failure | None:
    heard = expect.of == "caller" and bool(seen.response_ms)
    slowest = max(seen.response_ms if heard else seen.turn_ms, default=0.0)
    if slowest <= expect.max_ms:
        return None
    if heard:
        return Failure(
            "latency",
            f"the caller hears the agent within {expect.max_ms:g} ms",
            f"the agent's first audio came {slowest:.0f} ms after the caller stopped",
        )
    return Failure(
        "latency", f"each turn within {expect.max_ms:g} ms", f"a turn took {slowest:.1f} ms"
    )


async def check(
    expectation: Expectation, seen: Observed, *, judge: MentionJudge | None = None
) -> Failure | None:
    if isinstance(expectation, SaidExpectation):
        return await _said(expectation, seen, judge)
    if isinstance(expectation, VisitedExpectation):
        return _visited(expectation, seen)
    if isinstance(expectation, NotVisitedExpectation):
        return _not_visited(expectation, seen)
    if isinstance(expectation, BranchExpectation):
        return _branch(expectation, seen)
    if isinstance(expectation, IntentExpectation):
        return _intent(expectation, seen)
    if isinstance(expectation, VariableExpectation):
        return _variable(expectation, seen)
    if isinstance(expectation, ActionExpectation):
        return _action(expectation, seen)
    if isinstance(expectation, NoFallbackExpectation):
        return _no_fallback(expectation, seen)
    return _latency(expectation, seen)


async def check_all(
    expectations: Sequence[Expectation], seen: Observed, *, judge: MentionJudge | None = None
) -> list[Failure]:
    failures = []
    for expectation in expectations:
        failure = await check(expectation, seen, judge=judge)
        if failure is not None:
            failures.append(failure)
    return failures
