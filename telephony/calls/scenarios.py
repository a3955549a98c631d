"""'Turn this call into a scenario': a real call's caller turns become a scenario's steps and
what happened becomes its expectations, so that a bug fixed after this call stays fixed.

What the models said in the call become the scenario's canned answers: the scenario replays
this call's conversation deterministically, whatever a model would say today.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from betool.errors import ApiError
from betool.models import User
from pipelines.flow_tests import selectors as suite_selectors
from pipelines.flow_tests.services import suite_save
from pipelines.models import Pipeline
from telephony.calls.facts import call_facts
from telephony.errors import TelephonyErrorCode
from telephony.models import Call, CallEndReason, CallTurn

_MODEL_NODES = frozenset({"agent"})


def _step_of(turn: CallTurn) -> dict[str, Any] | None:
    trace = turn.trace or {}
    digits = trace.get("digits")
    if digits:
        step: dict[str, Any] = {"kind": "digits", "digits": str(digits)}
    elif turn.user_text.strip():
        step = {"kind": "say", "text": turn.user_text.strip()[:2000]}
    else:
        return None
    nodes = [str(n["node_id"]) for n in trace.get("nodes", []) if n.get("node_id")]
    expect: list[dict[str, Any]] = []
    if nodes:
        expect.append({"kind": "visited", "nodes": nodes, "mode": "in_order"})
    for node in trace.get("nodes", []):
        if node.get("node_type") == "classifier" and node.get("output") not in (None, "fallback"):
            expect.append({"kind": "intent", "equals": str(node["output"])})
    if not turn.fallback:
        expect.append({"kind": "no_fallback"})
    step["expect"] = expect
    return step


def _answers_of(turn: CallTurn) -> list[dict[str, Any]]:
    answers = []
    for node in (turn.trace or {}).get("nodes", []):
        if node.get("node_type") not in _MODEL_NODES:
            continue
        tools = node.get("tools") or []
        for tool in tools:
            answers.append({"text": "", "tool": tool["name"], "arguments": tool["arguments"]})
        answers.append({"text": str(node.get("output") or "")})
    return answers


def _end_expectations(call: Call) -> list[dict[str, Any]]:
    if call.transfer_target or call.end_reason == CallEndReason.TRANSFERRED:
        transfer: dict[str, Any] = {"kind": "action", "action": "transfer"}
        if call.transfer_target:
            transfer["destination"] = call.transfer_target
        return [transfer]
    if call.end_reason == CallEndReason.AGENT_HANGUP:
        return [{"kind": "action", "action": "hangup"}]
    return []


def scenario_from_call(*, call: Call, scenario_id: str) -> dict[str, Any]:
    turns = sorted(call.turns.all(), key=lambda t: t.sequence)
    steps = [step for turn in turns if (step := _step_of(turn)) is not None]
    if not steps:
        raise ApiError(
            TelephonyErrorCode.CALL_HAS_NO_TURNS,
            "This call has no caller turns to make a scenario of.",
            status=422,
        )
    answers = [answer for turn in turns for answer in _answers_of(turn)]
    when = timezone.localtime(call.created_at).strftime("%Y-%m-%d %H:%M")
    facts = call_facts(call)
    number = call.number
    # As the worker starts the conversation: the placer's variables, then the call's own.
    variables = {**facts.variables, "called_number": number.e164 if number else call.to_number}
    scenario: dict[str, Any] = {
        "id": scenario_id,
        "name": f"Call {call.pk} from {call.from_number or 'a caller'} ({when})",
        "caller_number": (call.from_number or "+15550100")[:32],
        "variables": variables,
        "attributes": facts.attributes,
        "steps": steps,
        "expect": _end_expectations(call),
        "model_answers": answers,
    }
    if number is not None:
        scenario["silence_timeout_s"] = float(number.silence_timeout_s)
    return scenario


def call_to_scenario(*, call: Call, user: User) -> tuple[Pipeline, dict[str, Any]]:
    """Appends the call's scenario to its pipeline's draft suite; returns both."""
    pipeline = call.pipeline or (call.pipeline_version.pipeline if call.pipeline_version else None)
    if pipeline is None:
        raise ApiError(
            TelephonyErrorCode.CALL_HAS_NO_PIPELINE,
            "This call ran no pipeline that is still there.",
            status=422,
        )
    document = suite_selectors.suite_document(pipeline=pipeline)
    taken = {str(s.get("id")) for s in document.get("scenarios", [])}
    scenario_id, counter = f"call-{call.pk}", 2
    while scenario_id in taken:
        scenario_id, counter = f"call-{call.pk}-{counter}", counter + 1
    scenario = scenario_from_call(call=call, scenario_id=scenario_id)
    document["scenarios"] = [*document.get("scenarios", []), scenario]
    suite_save(pipeline=pipeline, user=user, document=document)
    return pipeline, scenario
