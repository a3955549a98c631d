"""Start: where every turn begins; its receiver says which channel the pipeline answers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

from pydantic import Field

from pipelines.nodes.base import NodeConfig, NodeType, TemplateRef, static_outputs
from pipelines.nodes.fields import template_field

PHONE_GATEWAY: Final = "phone_gateway"


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


def _templates(config: StartConfig) -> Iterable[TemplateRef]:
    return (TemplateRef("greeting", config.greeting),)


START = NodeType(
    key="start",
    label="Start",
    description="Where the call begins. Each caller turn runs from here.",
    category="flow",
    icon="play",
    config_model=StartConfig,
    outputs=static_outputs("out"),
    output_hint=("out",),
    # The engine runs the greeting itself; the start node only points at the first node.
    build=None,
    has_input=False,
    templates=_templates,
)
