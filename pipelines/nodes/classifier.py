"""Classifier: sets ``exchange.intent`` and follows ``intent:<name>``, or ``fallback``.

Keyword mode runs offline (precompiled word-boundary patterns, first listed intent wins);
LLM mode asks the model to pick one intent through a tool with an enum, which is sturdier
than parsing free text.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from pipelines.nodes.base import BuildContext, ModelRef, NodeConfig, NodeType
from pipelines.nodes.fields import HandleName, duplicates, model_field
from pipelines.nodes.llm_support import stream_within_deadline
from pipelines.turn.events import Event
from pipelines.turn.runtime import NodeRuntime, TurnState
from voice_models.llm.types import ChatMessage, ToolSpec

FALLBACK = "fallback"
HANDLE_PREFIX = "intent:"
_CHOOSE_TOOL = "choose_intent"


class Intent(BaseModel):
    name: HandleName
    description: str = Field("", title="Description", description="What the caller wants.")
    keywords: list[str] = Field(
        default_factory=list, title="Keywords", description="Words or phrases that signal it."
    )


class ClassifierConfig(NodeConfig):
    mode: Literal["keywords", "llm"] = Field(
        "keywords",
        title="How to classify",
        json_schema_extra={"x-enum-labels": ["By keywords", "By a language model"]},
    )
    intents: list[Intent] = Field(default_factory=list, title="Intents", min_length=1)
    model: str = model_field(description="The language model that picks the intent (LLM mode).")

    @field_validator("intents")
    @classmethod
    def _unique(cls, intents: list[Intent]) -> list[Intent]:
        repeated = duplicates([intent.name for intent in intents])
        if repeated:
            raise ValueError(f"two intents are named '{repeated[0]}'")
        return intents

    @model_validator(mode="after")
    def _mode_needs(self) -> ClassifierConfig:
        if self.mode == "keywords":
            for intent in self.intents:
                if not any(keyword.strip() for keyword in intent.keywords):
                    raise ValueError(f"intent '{intent.name}' needs at least one keyword")
        return self


def _choose(turn: TurnState, intent: str | None) -> str:
    turn.session.exchange["intent"] = intent
    handle = HANDLE_PREFIX + intent if intent else FALLBACK
    turn.step.output = intent or FALLBACK
    return handle


class KeywordClassifier(NodeRuntime):
    __slots__ = ("_patterns",)

    def __init__(self, node_id: str, config: ClassifierConfig) -> None:
        super().__init__(node_id)
        self._patterns = tuple(
            (intent.name, _keyword_pattern(intent.keywords)) for intent in config.intents
        )

    def execute(self, turn: TurnState) -> str | None:
        text = turn.session.exchange["user_message"]
        turn.step.input = text
        for name, pattern in self._patterns:
            if pattern.search(text):
                return _choose(turn, name)
        return _choose(turn, None)


def _keyword_pattern(keywords: list[str]) -> re.Pattern[str]:
    words = sorted({k.strip() for k in keywords if k.strip()}, key=len, reverse=True)
    alternatives = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


class LLMClassifier(NodeRuntime):
    __slots__ = ("_by_folded_name", "_model", "_system", "_tool")
    is_async = True

    def __init__(self, node_id: str, config: ClassifierConfig) -> None:
        super().__init__(node_id)
        self._model = config.model
        names = sorted(intent.name for intent in config.intents)
        self._by_folded_name = {name.casefold(): name for name in names}
        listing = "\n".join(
            f"- {intent.name}: {intent.description or intent.name}" for intent in config.intents
        )
        self._system = (
            "Classify what the caller wants. Call the choose_intent tool with exactly one of "
            f"these intents, or 'none' if none fits:\n{listing}"
        )
        self._tool = ToolSpec(
            _CHOOSE_TOOL,
            "Record the caller's intent.",
            {
                "type": "object",
                "properties": {"intent": {"type": "string", "enum": [*names, "none"]}},
                "required": ["intent"],
            },
        )

    async def stream(self, turn: TurnState) -> AsyncIterator[Event]:
        text = turn.session.exchange["user_message"]
        turn.step.input = text
        messages = [ChatMessage("system", self._system), ChatMessage("user", text)]
        chosen: str | None = None
        answer: list[str] = []
        async for delta in stream_within_deadline(
            turn, model=self._model, messages=messages, tools=(self._tool,), temperature=0.0
        ):
            if delta.tool_call is not None and chosen is None:
                chosen = str(delta.tool_call.arguments.get("intent", ""))
            answer.append(delta.text)
        if chosen is None:
            # A model without tool support may just answer with the name.
            chosen = "".join(answer).strip().strip(".'\"")
        matched = self._by_folded_name.get(chosen.casefold())
        turn.branch = _choose(turn, matched)
        return
        yield  # an async generator that emits no events of its own


def _build(context: BuildContext[ClassifierConfig]) -> NodeRuntime:
    if context.config.mode == "llm":
        return LLMClassifier(context.node_id, context.config)
    return KeywordClassifier(context.node_id, context.config)


def _outputs(config: ClassifierConfig) -> tuple[str, ...]:
    return (*(HANDLE_PREFIX + intent.name for intent in config.intents), FALLBACK)


def _models(config: ClassifierConfig) -> Iterable[ModelRef]:
    return (ModelRef("model", config.model),) if config.mode == "llm" else ()


CLASSIFIER = NodeType(
    key="classifier",
    label="Classifier",
    description="Work out what the caller wants (exchange.intent) and branch on it.",
    category="ai",
    icon="tags",
    config_model=ClassifierConfig,
    outputs=_outputs,
    output_hint=("intent:<name>", FALLBACK),
    build=_build,
    models=_models,
)
