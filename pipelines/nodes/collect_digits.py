"""Collect digits: ask for DTMF digits (typed digits in a text test) into a variable.

When reached without digits, it speaks its prompt, asks the session to collect digits and ends
the turn; the next turn resumes here instead of at Start. Digits that arrive with the turn (or
a typed message made only of digits, * and #) are stored and ``out`` is followed; a resumed
turn without any follows ``no_input``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import ClassVar

from pydantic import Field

from pipelines.nodes.base import BuildContext, NodeConfig, NodeType, TemplateRef, static_outputs
from pipelines.nodes.fields import VariableName, template_field
from pipelines.templating import compile_template
from pipelines.turn.events import ActionEvent, ActionKind, ActionParams, Event
from pipelines.turn.runtime import NodeRuntime, TurnState

_TYPED_DIGITS = re.compile(r"^[0-9*#\s]+$")


@dataclass(frozen=True, slots=True)
class CollectDigitsParams(ActionParams):
    kind: ClassVar[ActionKind] = "collect_digits"
    max_digits: int
    # The key that ends the digits, "#" or "*"; empty: none does (count or pause ends them).
    terminator: str
    # The wait for the first key after the prompt, and between keys.
    timeout_s: float


class CollectDigitsConfig(NodeConfig):
    prompt: str = template_field("Please enter the digits, then press hash.", title="Prompt")
    max_digits: int = Field(10, title="Max digits", ge=1, le=64)
    terminator: str = Field("#", title="Finish key", pattern=r"^[#*]?$")
    timeout_s: float = Field(10.0, title="Wait (seconds)", gt=0, le=120)
    variable: VariableName = "digits"


class CollectDigitsRuntime(NodeRuntime):
    __slots__ = ("_config", "_params", "_prompt")
    is_async = True

    def __init__(self, node_id: str, config: CollectDigitsConfig) -> None:
        super().__init__(node_id)
        self._config = config
        self._prompt = compile_template(config.prompt)
        self._params = CollectDigitsParams(
            max_digits=config.max_digits, terminator=config.terminator, timeout_s=config.timeout_s
        )

    def _digits_of(self, turn: TurnState) -> str | None:
        raw = turn.digits
        if raw is None:
            typed = turn.session.exchange["user_message"]
            raw = typed if typed and _TYPED_DIGITS.match(typed) else None
        if raw is None:
            return None
        cleaned = re.sub(r"\s+", "", raw)
        if self._config.terminator:
            cleaned = cleaned.split(self._config.terminator, 1)[0]
        return cleaned[: self._config.max_digits] or None

    async def stream(self, turn: TurnState) -> AsyncIterator[Event]:
        digits = self._digits_of(turn)
        if digits is not None:
            yield turn.set_variables({self._config.variable: digits})
            turn.step.output = digits
            turn.branch = "out"
            return
        if turn.resumed_node_id == self.node_id:
            turn.step.output = "no digits"
            turn.branch = "no_input"
            return
        prompt = await turn.render(self._prompt)
        for event in turn.speak_text(prompt, node_id=self.node_id, interruptible=True):
            yield event
        yield ActionEvent(self._params, self.node_id)
        await turn.perform_action(self._params)
        turn.session.waiting_node_id = self.node_id
        turn.step.output = "waiting for digits"
        turn.branch = None


def _build(context: BuildContext[CollectDigitsConfig]) -> NodeRuntime:
    return CollectDigitsRuntime(context.node_id, context.config)


def _templates(config: CollectDigitsConfig) -> Iterable[TemplateRef]:
    return (TemplateRef("prompt", config.prompt),)


def _sets(config: CollectDigitsConfig) -> Iterable[str]:
    return (config.variable,)


COLLECT_DIGITS = NodeType(
    key="collect_digits",
    label="Collect digits",
    description="Ask the caller to type digits on the keypad and keep them in a variable.",
    category="input",
    icon="keypad",
    config_model=CollectDigitsConfig,
    outputs=static_outputs("out", "no_input"),
    output_hint=("out", "no_input"),
    build=_build,
    templates=_templates,
    sets_variables=_sets,
    can_end_turn=True,
)
