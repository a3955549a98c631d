"""Start: where every turn begins; its receiver says which channel the pipeline answers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

from pydantic import Field

from pipelines.barge_in import NodeBargeInMode, NodeBargeInSensitivity
from pipelines.nodes.base import NodeConfig, NodeType, TemplateRef, static_outputs
from pipelines.nodes.fields import barge_in_mode_field, barge_in_sensitivity_field, template_field

PHONE_GATEWAY: Final = "phone_gateway"
# Taken instead of the greeting when an outbound call is answered by a voicemail: a Say
# node leaves the message, then Hang up. Open on inbound pipelines.
VOICEMAIL_OUTPUT: Final = "voicemail"


class StartConfig(NodeConfig):
    receiver: Literal["phone_gateway", "browser_test"] = Field(
        "phone_gateway",
        title="Answers",
        description="Phone calls give agents the voice tools (hang up, transfer, hold).",
        json_schema_extra={"x-enum-labels": ["Phone calls", "Browser tests only"]},
    )
    greeting: str = template_field(
        "Hello! How can I help you today?",
        title="Greeting",
        description="Said when the call connects. Leave empty to wait for the caller.",
    )
    interruptible: bool = Field(True, title="Caller can interrupt the greeting")
    barge_in: NodeBargeInMode = barge_in_mode_field()
    barge_in_sensitivity: NodeBargeInSensitivity = barge_in_sensitivity_field()


def _templates(config: StartConfig) -> Iterable[TemplateRef]:
    return (TemplateRef("greeting", config.greeting),)


START = NodeType(
    key="start",
    label="Start",
    description="Where the call begins. Each caller turn runs from here; an outbound call "
    "answered by voicemail takes the voicemail output instead.",
    category="flow",
    icon="play",
    config_model=StartConfig,
    outputs=static_outputs("out", VOICEMAIL_OUTPUT),
    output_hint=("out", VOICEMAIL_OUTPUT),
    optional_outputs=frozenset({VOICEMAIL_OUTPUT}),
    # The engine runs the greeting itself; the start node only points at the first node.
    build=None,
    has_input=False,
    templates=_templates,
)
