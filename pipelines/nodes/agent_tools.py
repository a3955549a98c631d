"""The tools an Agent offers its model: the designer's HTTP tools, variable extraction, and
the voice tools injected under a phone_gateway Start. Each is compiled once into a handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from pipelines.engine.events import ActionEvent, ActionKind, Event
from pipelines.engine.runtime import TurnState
from pipelines.nodes.fields import VariableName, template_field
from pipelines.nodes.http_support import send
from pipelines.templating import compile_template
from voice_models.llm.types import ToolCall, ToolSpec

EXTRACT_TOOL = "save_details"
VOICE_TOOL_NAMES = frozenset({"end_call", "transfer_call", "hold_call", "set_barge_in"})
RESERVED_TOOL_NAMES = VOICE_TOOL_NAMES | {EXTRACT_TOOL}


class ToolParameter(BaseModel):
    name: VariableName
    description: str = Field("", title="Description")
    required: bool = Field(True, title="Required")


class HttpTool(BaseModel):
    name: str = Field(title="Tool name", pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,63}$")
    description: str = Field(title="When to use it", min_length=1)
    method: Literal["GET", "POST"] = Field("GET", title="Method")
    url: str = template_field(..., title="URL", description="May use {{ args.<parameter> }}.")
    parameters: list[ToolParameter] = Field(default_factory=list, title="Parameters")
    timeout_s: float = Field(3.0, title="Timeout (seconds)", gt=0, le=30)


class Extraction(BaseModel):
    variable: VariableName
    description: str = Field("", title="What to capture")


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    result: str
    events: tuple[Event, ...] = ()
    # The call is leaving (hangup, transfer): the agent stops asking its model for more.
    ends_agent: bool = False


ToolHandler = Callable[[TurnState, ToolCall], Awaitable[ToolOutcome]]


@dataclass(frozen=True, slots=True)
class CompiledTool:
    spec: ToolSpec
    handler: ToolHandler


def _object_schema(properties: Mapping[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": dict(properties), "required": required}


def http_tool(tool: HttpTool) -> CompiledTool:
    url = compile_template(tool.url)
    properties = {p.name: {"type": "string", "description": p.description} for p in tool.parameters}
    required = [p.name for p in tool.parameters if p.required]

    async def handle(turn: TurnState, call: ToolCall) -> ToolOutcome:
        arguments = {name: call.arguments.get(name) for name in properties}
        target = await turn.render(url, {**turn.scope, "args": arguments})
        outcome = await send(
            turn,
            method=tool.method,
            url=target,
            headers={},
            timeout_s=tool.timeout_s,
            json_body=arguments if tool.method == "POST" else None,
            params=None if tool.method == "POST" else arguments,
        )
        return ToolOutcome(outcome.text if outcome.ok else f"The lookup failed: {outcome.error}")

    spec = ToolSpec(tool.name, tool.description, _object_schema(properties, required))
    return CompiledTool(spec, handle)


def extraction_tool(extractions: list[Extraction]) -> CompiledTool:
    names = [e.variable for e in extractions]
    properties = {e.variable: {"type": "string", "description": e.description} for e in extractions}

    async def handle(turn: TurnState, call: ToolCall) -> ToolOutcome:
        values = {name: call.arguments[name] for name in names if name in call.arguments}
        if not values:
            return ToolOutcome("Nothing to save.")
        return ToolOutcome("Saved.", (turn.set_variables(values),))

    spec = ToolSpec(
        EXTRACT_TOOL,
        "Save details the caller gave. Call it as soon as you learn any of them.",
        _object_schema(properties, []),
    )
    return CompiledTool(spec, handle)


def _action_tool(
    *,
    name: str,
    description: str,
    action: ActionKind,
    properties: Mapping[str, Any],
    node_id: str,
    fixed_params: Mapping[str, Any] | None = None,
    ends_agent: bool = False,
) -> CompiledTool:
    async def handle(turn: TurnState, call: ToolCall) -> ToolOutcome:
        params = {key: call.arguments.get(key) for key in properties} | dict(fixed_params or {})
        outcome = await turn.perform_action(action, params)
        # A refused transfer leaves the caller here: the model goes on and says so.
        ends = ends_agent and outcome.done
        return ToolOutcome(outcome.report, (ActionEvent(action, params, node_id),), ends)

    spec = ToolSpec(name, description, _object_schema(properties, []))
    return CompiledTool(spec, handle)


def voice_tools(*, node_id: str, transfer_destination: str) -> list[CompiledTool]:
    """Hang up, transfer, hold and barge-in control, as every phone Agent gets them."""
    transfer_properties: dict[str, Any] = (
        {}
        if transfer_destination
        else {"destination": {"type": "string", "description": "Number or department."}}
    )
    return [
        _action_tool(
            name="end_call",
            description="End the call. Say goodbye first, then call this.",
            action="hangup",
            properties={"reason": {"type": "string"}},
            node_id=node_id,
            ends_agent=True,
        ),
        _action_tool(
            name="transfer_call",
            description="Transfer the caller to a human. Tell them first, then call this.",
            action="transfer",
            properties=transfer_properties,
            fixed_params={"destination": transfer_destination} if transfer_destination else None,
            node_id=node_id,
            ends_agent=True,
        ),
        _action_tool(
            name="hold_call",
            description="Put the caller on hold with music while something is looked up.",
            action="hold",
            properties={"reason": {"type": "string"}},
            fixed_params={"music": True},
            node_id=node_id,
        ),
        _action_tool(
            name="set_barge_in",
            description="Allow (true) or stop (false) the caller interrupting you.",
            action="barge_in",
            properties={"enabled": {"type": "boolean"}},
            node_id=node_id,
        ),
    ]
