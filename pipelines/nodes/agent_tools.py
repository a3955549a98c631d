"""The tools an Agent offers its model: the designer's HTTP tools, variable extraction, and
the voice tools injected under a phone_gateway Start. Each is compiled once into a handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from pipelines.nodes.call_control import (
    AGENT_HOLD_S,
    HangupParams,
    HoldParams,
    TransferMode,
    TransferParams,
)
from pipelines.nodes.fields import VariableName, template_field
from pipelines.nodes.http_support import send
from pipelines.templating import compile_template
from pipelines.turn.events import ActionEvent, ActionKind, ActionParams, Event
from pipelines.turn.runtime import TurnState
from voice_models.llm.types import ToolCall, ToolSpec

EXTRACT_TOOL = "save_details"
VOICE_TOOL_NAMES = frozenset({"end_call", "transfer_call", "hold_call", "set_barge_in"})
RESERVED_TOOL_NAMES = VOICE_TOOL_NAMES | {EXTRACT_TOOL}


@dataclass(frozen=True, slots=True)
class BargeInParams(ActionParams):
    """An Agent's ``set_barge_in`` tool: may the caller interrupt what it says next?"""

    kind: ClassVar[ActionKind] = "barge_in"
    enabled: bool


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


def _text(value: object) -> str:
    """A string argument of the model's, which may be missing or of another type."""
    return value if isinstance(value, str) else ""


def _flag(value: object, *, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return default


def _action_tool(
    *,
    name: str,
    description: str,
    properties: Mapping[str, Any],
    node_id: str,
    params_of: Callable[[Mapping[str, Any]], ActionParams],
    ends_agent: bool = False,
) -> CompiledTool:
    """``params_of`` reads the model's arguments into the action's params."""

    async def handle(turn: TurnState, call: ToolCall) -> ToolOutcome:
        params = params_of(call.arguments)
        outcome = await turn.perform_action(params)
        # A refused transfer leaves the caller here: the model goes on and says so.
        ends = ends_agent and outcome.done
        return ToolOutcome(outcome.report, (ActionEvent(params, node_id),), ends)

    spec = ToolSpec(name, description, _object_schema(properties, []))
    return CompiledTool(spec, handle)


def voice_tools(
    *, node_id: str, transfer_destination: str, transfer_mode: TransferMode = "cold"
) -> list[CompiledTool]:
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
            properties={"reason": {"type": "string"}},
            params_of=lambda args: HangupParams(reason=_text(args.get("reason"))),
            node_id=node_id,
            ends_agent=True,
        ),
        _action_tool(
            name="transfer_call",
            description="Transfer the caller to a human. Tell them first, then call this.",
            properties=transfer_properties,
            params_of=lambda args: TransferParams(
                destination=transfer_destination or _text(args.get("destination")),
                mode=transfer_mode,
            ),
            node_id=node_id,
            ends_agent=True,
        ),
        _action_tool(
            name="hold_call",
            description="Put the caller on hold with music while something is looked up.",
            properties={"reason": {"type": "string"}},
            params_of=lambda args: HoldParams(
                seconds=AGENT_HOLD_S, music=True, reason=_text(args.get("reason"))
            ),
            node_id=node_id,
        ),
        _action_tool(
            name="set_barge_in",
            description="Allow (true) or stop (false) the caller interrupting you.",
            properties={"enabled": {"type": "boolean"}},
            params_of=lambda args: BargeInParams(enabled=_flag(args.get("enabled"), default=True)),
            node_id=node_id,
        ),
    ]
