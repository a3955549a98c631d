"""Transfer, Hold and Hangup: call-control nodes that hand an action to the session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from pydantic import Field

from pipelines.engine.events import ActionEvent, ActionKind, Event
from pipelines.engine.runtime import NodeRuntime, TurnState
from pipelines.nodes.base import BuildContext, NodeConfig, NodeType, TemplateRef, static_outputs
from pipelines.nodes.fields import TransferDestination, template_field
from pipelines.templating import CompiledTemplate, compile_template


class TransferConfig(NodeConfig):
    destination: TransferDestination = template_field(
        ...,
        title="Transfer to",
        description="A number such as +15551234567, or a SIP address such as sip:desk@example.com.",
        min_length=1,
    )
    message: str = template_field("Let me transfer you now.", title="Said before transferring")


class HoldConfig(NodeConfig):
    message: str = template_field("Please hold for a moment.", title="Said before the hold")
    music: bool = Field(True, title="Play hold music")
    seconds: float = Field(10.0, title="Hold for (seconds)", gt=0, le=600)


class HangupConfig(NodeConfig):
    message: str = template_field("Thank you for calling. Goodbye!", title="Said before hanging up")


class ActionRuntime(NodeRuntime):
    """Speak the message, then perform the action; ``next_handle`` None ends the turn."""

    __slots__ = ("_action", "_message", "_next_handle", "_params")
    is_async = True

    def __init__(
        self,
        node_id: str,
        *,
        action: ActionKind,
        message: str,
        params: Mapping[str, CompiledTemplate | Any],
        next_handle: str | None,
    ) -> None:
        super().__init__(node_id)
        self._action: ActionKind = action
        self._message = compile_template(message)
        self._params = dict(params)
        self._next_handle = next_handle

    async def stream(self, turn: TurnState) -> AsyncIterator[Event]:
        message = await turn.render(self._message)
        for event in turn.speak_text(message, node_id=self.node_id, interruptible=False):
            yield event
        params = {
            key: await turn.render(value) if isinstance(value, CompiledTemplate) else value
            for key, value in self._params.items()
        }
        yield ActionEvent(self._action, params, self.node_id)
        outcome = await turn.perform_action(self._action, params)
        turn.step.output = outcome.report
        turn.branch = self._next_handle


def _build_transfer(context: BuildContext[TransferConfig]) -> NodeRuntime:
    return ActionRuntime(
        context.node_id,
        action="transfer",
        message=context.config.message,
        params={"destination": compile_template(context.config.destination)},
        next_handle=None,
    )


def _build_hold(context: BuildContext[HoldConfig]) -> NodeRuntime:
    return ActionRuntime(
        context.node_id,
        action="hold",
        message=context.config.message,
        params={"music": context.config.music, "seconds": context.config.seconds},
        next_handle="out",
    )


def _build_hangup(context: BuildContext[HangupConfig]) -> NodeRuntime:
    return ActionRuntime(
        context.node_id,
        action="hangup",
        message=context.config.message,
        params={"reason": "pipeline"},
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
    outputs=static_outputs(),
    output_hint=(),
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
