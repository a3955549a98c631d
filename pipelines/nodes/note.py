"""Note: a sticky note on the canvas. Never executed, never connected."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipelines.nodes.base import NodeConfig, NodeType, static_outputs


class NoteConfig(NodeConfig):
    text: str = Field("", title="Note")
    color: Literal["yellow", "blue", "green", "pink", "gray"] = Field("yellow", title="Colour")


NOTE = NodeType(
    key="note",
    label="Note",
    description="A sticky note for the team; callers never see it.",
    category="canvas",
    icon="sticky-note",
    config_model=NoteConfig,
    outputs=static_outputs(),
    output_hint=(),
    build=None,
    has_input=False,
)
