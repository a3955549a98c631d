"""'Create a scenario for this branch': a scenario drafted to reach one output of one node.

The path from Start is found over the graph's routes; each hop says what the caller must do
to take it, where the branch is deterministic: a classifier's keyword, a router condition's
value (said by the caller, or given as a call variable), digits for a collect-digits node,
a canned answer for a language model. What cannot be derived (an HTTP call's outcome, an
advanced expression) is listed in ``notes``; the service then runs the draft to say whether
it really reaches the branch.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from pipelines.flow_tests.graph_facts import GraphFacts, OutputRef
from pipelines.nodes.classifier import ClassifierConfig
from pipelines.nodes.collect_digits import CollectDigitsConfig
from pipelines.nodes.router import RouteCondition, RouterConfig
from pipelines.nodes.start import VOICEMAIL_OUTPUT
from pipelines.turn.voice import TRANSFER_OUTCOMES

_NEUTRAL_WORDS = "um, hello there"
_SAMPLE_DIGITS = "1234"


@dataclass(slots=True)
class _Draft:
    steps: list[dict[str, Any]] = field(default_factory=lambda: [{"kind": "say", "text": ""}])
    variables: dict[str, str] = field(default_factory=dict)
    answers: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    uses_model: bool = False

    def say(self, words: str) -> None:
        current = self.steps[-1]
        if current["kind"] != "say":
            self.steps.append({"kind": "say", "text": words})
            return
        current["text"] = f"{current['text']} {words}".strip()


def path_to(facts: GraphFacts, node_id: str, handle: str) -> list[OutputRef] | None:
    """The shortest chain of outputs from Start that ends leaving ``node_id`` by ``handle``."""
    if facts.start_id is None:
        return None
    by_node: dict[str, list[OutputRef]] = {}
    for ref in facts.outputs:
        by_node.setdefault(ref.node_id, []).append(ref)
    queue: deque[tuple[str, list[OutputRef]]] = deque([(facts.start_id, [])])
    seen = {facts.start_id}
    while queue:
        current, path = queue.popleft()
        for ref in by_node.get(current, []):
            if ref.node_id == node_id and ref.handle == handle:
                return [*path, ref]
            if ref.target is not None and ref.target not in seen:
                seen.add(ref.target)
                queue.append((ref.target, [*path, ref]))
    return None


def _classifier_hop(config: ClassifierConfig, handle: str, draft: _Draft) -> None:
    wanted = handle.removeprefix("intent:") if handle.startswith("intent:") else None
    if config.mode == "llm":
        draft.uses_model = True
        draft.answers.append({"tool": "choose_intent", "arguments": {"intent": wanted or "none"}})
        intent = next((i for i in config.intents if i.name == wanted), None)
        draft.say(intent.description or intent.name if intent else _NEUTRAL_WORDS)
        return
    intent = next((i for i in config.intents if i.name == wanted), None)
    if intent is None:
        draft.say(_NEUTRAL_WORDS)  # no keyword of any intent: the fallback output
        return
    draft.say(next(k.strip() for k in intent.keywords if k.strip()))


def _satisfying(condition: RouteCondition) -> str | None:
    value = condition.value
    samples = {
        "equals": value,
        "contains": value,
        "starts_with": value,
        "ends_with": value,
        "one_of": value.split(",")[0].strip(),
        "is_not_empty": value or "example",
        "is_empty": "",
        "not_equals": f"{value} other".strip(),
        "not_contains": "other",
    }
    if condition.operator in samples:
        return samples[condition.operator]
    number = float(value) if value.replace(".", "", 1).lstrip("-").isdigit() else 0.0
    step = 1 if condition.operator == "greater_than" else -1
    return f"{number + step:g}"


def _failing(condition: RouteCondition) -> str | None:
    if condition.operator == "is_empty":
        return "example"
    if condition.operator in ("is_not_empty", "not_equals", "not_contains"):
        return condition.value if condition.operator != "is_not_empty" else ""
    if condition.operator in ("greater_than", "less_than"):
        return condition.value
    return "other"


def _apply(condition: RouteCondition, value: str | None, draft: _Draft) -> None:
    if condition.expression.strip() or value is None:
        draft.notes.append(
            f"condition '{condition.name}' uses an expression: set what makes it true by hand"
        )
        return
    field_path = condition.field
    if field_path == "exchange.user_message":
        if value:
            draft.say(value)
        return
    if field_path.startswith("exchange."):
        draft.notes.append(f"condition '{condition.name}' reads {field_path}: check the turn")
        return
    name = field_path.removeprefix("variables.").split(".")[0]
    draft.variables[name] = value


def _router_hop(config: RouterConfig, handle: str, draft: _Draft) -> None:
    wanted = handle.removeprefix("condition:")
    for condition in config.conditions:
        if condition.name == wanted:
            _apply(condition, _satisfying(condition), draft)
            return
        # Conditions before it are checked first: each must not match.
        _apply(condition, _failing(condition), draft)


def _hop(facts: GraphFacts, ref: OutputRef, draft: _Draft) -> None:
    node_type = facts.node_types[ref.node_id]
    config = facts.configs[ref.node_id]
    if node_type == "start" and ref.handle == VOICEMAIL_OUTPUT:
        draft.steps.append({"kind": "voicemail"})
    elif isinstance(config, ClassifierConfig):
        _classifier_hop(config, ref.handle, draft)
    elif isinstance(config, RouterConfig):
        _router_hop(config, ref.handle, draft)
    elif isinstance(config, CollectDigitsConfig):
        # Silent for as long as the node waits for the first key: then no_input runs.
        draft.steps.append(
            {"kind": "digits", "digits": _SAMPLE_DIGITS}
            if ref.handle == "out"
            else {"kind": "silence", "seconds": config.timeout_s}
        )
    elif node_type == "agent":
        draft.uses_model = True
        draft.answers.append({"text": "Certainly."})
    elif node_type == "transfer" and ref.handle in TRANSFER_OUTCOMES:
        draft.steps.append({"kind": "transfer_outcome", "outcome": ref.handle})
    elif node_type == "http_request":
        draft.notes.append(
            f"'{facts.labels[ref.node_id]}' leaves by {ref.handle} only if its HTTP call does"
        )


def scenario_for_branch(
    facts: GraphFacts, *, node_id: str, handle: str, scenario_id: str
) -> tuple[dict[str, Any], list[str]] | None:
    """A scenario document and notes, or None when no path reaches that output."""
    path = path_to(facts, node_id, handle)
    if path is None:
        return None
    draft = _Draft()
    for ref in path:
        _hop(facts, ref, draft)
    steps = [step for step in draft.steps if step["kind"] != "say" or step["text"]]
    if not steps:
        steps = [{"kind": "say", "text": _NEUTRAL_WORDS}]
    steps[-1]["expect"] = [{"kind": "branch", "node": node_id, "output": handle}]
    scenario: dict[str, Any] = {
        "id": scenario_id,
        "name": f"{facts.labels.get(node_id, node_id)} takes {handle.split(':', 1)[-1]}",
        "steps": steps,
        "variables": draft.variables,
        "expect": [],
        "model_answers": draft.answers,
    }
    return scenario, draft.notes
