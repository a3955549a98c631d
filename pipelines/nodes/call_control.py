"""Transfer, Hold and Hangup: call-control nodes that hand an action to the session."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import Field

from pipelines.nodes.base import BuildContext, NodeConfig, NodeType, TemplateRef, static_outputs
from pipelines.nodes.fields import TransferDestination, template_field
from pipelines.templating import compile_template
from pipelines.turn.events import ActionEvent, ActionKind, ActionParams, Event
from pipelines.turn.runtime import NodeRuntime, TurnState
from pipelines.turn.voice import TRANSFER_OUTCOMES

TransferMode = Literal["cold", "warm"]
# How long an Agent's hold tool holds (the Hold node says its own): the caller's key ends it.
AGENT_HOLD_S = 60.0


@dataclass(frozen=True, slots=True)
class TransferParams(ActionParams):
    kind: ClassVar[ActionKind] = "transfer"
    # A number or SIP address; empty: the phone number's own transfer target.
    destination: str
    mode: TransferMode = "cold"


@dataclass(frozen=True, slots=True)
class HoldParams(ActionParams):
    kind: ClassVar[ActionKind] = "hold"
    seconds: float
    music: bool = True
    reason: str = ""


@dataclass(frozen=True, slots=True)
class HangupParams(ActionParams):
    kind: ClassVar[ActionKind] = "hangup"
    # Who asked: "pipeline" for the Hang up node, the model's own words for an Agent's tool.
    reason: str = ""


class TransferConfig(NodeConfig):
    destination: TransferDestination = template_field(
        ...,
        title="Transfer to",
        description="A number such as +15551234567, or a SIP address such as sip:desk@example.com.",
        min_length=1,
    )
    message: str = template_field("Let me transfer you now.", title="Said before transferring")
    mode: TransferMode = Field(
        "cold",
        title="Kind of transfer",
        description=(
            "Cold: the caller is handed over at once. Warm: the caller holds with music while "
            "the person is called and told what the call is about, then they are connected."
        ),
    )


class HoldConfig(NodeConfig):
    message: str = template_field("Please hold for a moment.", title="Said before the hold")
    music: bool = Field(True, title="Play hold music")
    seconds: float = Field(10.0, title="Hold for (seconds)", gt=0, le=600)


class HangupConfig(NodeConfig):
    message: str = template_field("Thank you for calling. Goodbye!", title="Said before hanging up")


class ActionRuntime(NodeRuntime):
    """Speak the message, then perform the action; ``next_handle`` None ends the turn.

    ``templated`` names the params' string fields that are templates, rendered per turn."""

    __slots__ = ("_message", "_next_handle", "_params", "_templated")
    is_async = True

    def __init__(
        self,
        node_id: str,
        *,
        message: str,
        params: ActionParams,
        templated: Mapping[str, str] | None = None,
        next_handle: str | None,
    ) -> None:
        super().__init__(node_id)
        self._message = compile_template(message)
        self._params = params
        self._templated = {
            name: compile_template(source) for name, source in (templated or {}).items()
        }
        self._next_handle = next_handle

    async def _rendered_params(self, turn: TurnState) -> ActionParams:
        if not self._templated:
            return self._params
        values = {name: await turn.render(t) for name, t in self._templated.items()}
        return dataclasses.replace(self._params, **values)  # type: ignore[type-var]

    async def stream(self, turn: TurnState) -> AsyncIterator[Event]:
        message = await turn.render(self._message)
        for event in turn.speak_text(message, node_id=self.node_id, interruptible=False):
            yield event
        params = await self._rendered_params(turn)
        yield ActionEvent(params, self.node_id)
        outcome = await turn.perform_action(params)
        turn.step.output = outcome.report
        turn.branch = self._next_handle


def _build_transfer(context: BuildContext[TransferConfig]) -> NodeRuntime:
    return ActionRuntime(
        context.node_id,
        message=context.config.message,
        params=TransferParams(destination="", mode=context.config.mode),
        templated={"destination": context.config.destination},
        next_handle=None,
    )


def _build_hold(context: BuildContext[HoldConfig]) -> NodeRuntime:
    return ActionRuntime(
        context.node_id,
        message=context.config.message,
        params=HoldParams(seconds=context.config.seconds, music=context.config.music),
        next_handle="out",
    )


def _build_hangup(context: BuildContext[HangupConfig]) -> NodeRuntime:
    return ActionRuntime(
        context.node_id,
        message=context.config.message,
        params=HangupParams(reason="pipeline"),
        next_handle=None,
    )


def _transfer_templates(config: TransferConfig) -> Iterable[TemplateRef]:
    return (TemplateRef("destination", config.destination), TemplateRef("message", config.message))


def _message_template(config: HoldConfig | HangupConfig) -> Iterable[TemplateRef]:
    return (TemplateRef("message", config.message),)


TRANSFER = NodeType(
    key="transfer",
    label="Transfer",
    description="Hand the caller over to a person or another number.",
    category="call",
    icon="phone-forwarded",
    config_model=TransferConfig,
    # Known once the telephone network answers, after the turn: the session then starts the
    # next turn on the chosen output. Open, a failure is spoken and the call goes on.
    outputs=static_outputs(*TRANSFER_OUTCOMES),
    output_hint=TRANSFER_OUTCOMES,
    optional_outputs=frozenset(TRANSFER_OUTCOMES),
    build=_build_transfer,
    templates=_transfer_templates,
    can_end_turn=True,
)

HOLD = NodeType(
    key="hold",
    label="Hold",
    description="Put the caller on hold, with music, then carry on.",
    category="call",
    icon="pause",
    config_model=HoldConfig,
    outputs=static_outputs("out"),
    output_hint=("out",),
    build=_build_hold,
    templates=_message_template,
)

HANGUP = NodeType(
    key="hangup",
    label="Hang up",
    description="Say goodbye and end the call.",
    category="call",
    icon="phone-off",
    config_model=HangupConfig,
    outputs=static_outputs(),
    output_hint=(),
    build=_build_hangup,
    templates=_message_template,
    can_end_turn=True,
)
