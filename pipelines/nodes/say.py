"""Say: speak a templated text, no LLM."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from pipelines.barge_in import NodeBargeInMode, NodeBargeInSensitivity
from pipelines.nodes.base import BuildContext, NodeConfig, NodeType, TemplateRef, static_outputs
from pipelines.nodes.fields import barge_in_mode_field, barge_in_sensitivity_field, template_field
from pipelines.templating import CompiledTemplate, compile_template
from pipelines.turn.chunker import split_sentences
from pipelines.turn.events import TextEvent
from pipelines.turn.runtime import NodeRuntime, TurnState


class SayConfig(NodeConfig):
    text: str = template_field(
        "", title="Text", description="What to say, e.g. Thanks {{ name }}, one moment."
    )
    interruptible: bool = Field(True, title="Caller can interrupt")
    barge_in: NodeBargeInMode = barge_in_mode_field()
    barge_in_sensitivity: NodeBargeInSensitivity = barge_in_sensitivity_field()


class SayRuntime(NodeRuntime):
    __slots__ = ("_interruptible", "_static", "_template")

    def __init__(self, node_id: str, config: SayConfig) -> None:
        super().__init__(node_id)
        self._interruptible = config.interruptible
        self._template: CompiledTemplate = compile_template(config.text)
        # Text without placeholders is cut into sentence events once, at compile time.
        self._static: tuple[TextEvent, ...] | None = None
        if self._template.is_static:
            self._static = tuple(
                TextEvent(sentence, node_id, config.interruptible)
                for sentence in split_sentences(config.text)
            )

    def execute(self, turn: TurnState) -> str | None:
        if self._static is not None:
            turn.speak(self._static)
            turn.step.output = self._template.source
        else:
            text = self._template.render(turn.scope)
            turn.pending.extend(
                turn.speak_text(text, node_id=self.node_id, interruptible=self._interruptible)
            )
            turn.step.output = text
        return "out"


def _build(context: BuildContext[SayConfig]) -> NodeRuntime:
    return SayRuntime(context.node_id, context.config)


def _templates(config: SayConfig) -> Iterable[TemplateRef]:
    return (TemplateRef("text", config.text),)


SAY = NodeType(
    key="say",
    label="Say",
    description="Speak a fixed or templated sentence.",
    category="speech",
    icon="message",
    config_model=SayConfig,
    outputs=static_outputs("out"),
    output_hint=("out",),
    build=_build,
    templates=_templates,
)
