"""How a node type is declared: once, with its config model, handles, variables and runtime."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from pipelines.turn.runtime import NodeRuntime

ConfigT = TypeVar("ConfigT", bound=BaseModel)


class NodeConfig(BaseModel):
    """Base of every node's config. Unknown keys are ignored so older editors stay readable."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False, frozen=True)


@dataclass(frozen=True, slots=True)
class BuildContext(Generic[ConfigT]):
    """What a node's runtime is built from, once per compile."""

    node_id: str
    config: ConfigT
    # True when a Start with receiver phone_gateway reaches this node: voice tools apply.
    phone_upstream: bool


@dataclass(frozen=True, slots=True)
class TemplateRef:
    """A template (or condition expression) inside a config, for validation."""

    field: str
    source: str
    is_condition: bool = False
    # Names only this template may use (an HTTP tool's URL sees ``args``).
    extra_roots: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A language model a config names (empty: the workspace's default), for validation."""

    field: str
    name: str


def _no_templates(config: Any) -> Iterable[TemplateRef]:
    return ()


def _no_models(config: Any) -> Iterable[ModelRef]:
    return ()


def _no_variables(config: Any) -> Iterable[str]:
    return ()


@dataclass(frozen=True, slots=True)
class NodeType(Generic[ConfigT]):
    """One node type of the editor, the validator and the runtime."""

    key: str
    label: str
    description: str
    category: str
    config_model: type[ConfigT]
    # The output handles for a given config (router conditions, classifier intents...).
    outputs: Callable[[ConfigT], tuple[str, ...]]
    # How the editor should draw outputs before a config exists (e.g. "intent:<name>").
    output_hint: tuple[str, ...]
    build: Callable[[BuildContext[ConfigT]], NodeRuntime] | None
    has_input: bool = True
    templates: Callable[[ConfigT], Iterable[TemplateRef]] = _no_templates
    sets_variables: Callable[[ConfigT], Iterable[str]] = _no_variables
    # The language models its runtime will ask for: each must resolve in the workspace.
    models: Callable[[ConfigT], Iterable[ModelRef]] = _no_models
    # A node that can end a turn by itself (waits for the caller, ends or leaves the call):
    # a loop through it is not endless.
    can_end_turn: bool = False
    icon: str = ""
    # Outputs that may stay open: the session has its own course when they are (a
    # transfer's outcomes), so validation does not warn about them.
    optional_outputs: frozenset[str] = frozenset()

    def parse(self, raw: object) -> ConfigT:
        """Validate raw config; raises pydantic.ValidationError."""
        return self.config_model.model_validate(raw if raw is not None else {})

    def catalog_entry(self) -> dict[str, Any]:
        return {
            "type": self.key,
            "label": self.label,
            "description": self.description,
            "category": self.category,
            "icon": self.icon,
            "inputs": ["in"] if self.has_input else [],
            "outputs": list(self.output_hint),
            "config_schema": self.config_model.model_json_schema(),
            "defaults": self.config_model().model_dump(mode="json")
            if _has_defaults(self.config_model)
            else None,
        }


def _has_defaults(model: type[BaseModel]) -> bool:
    return all(not info.is_required() for info in model.model_fields.values())


def static_outputs(*handles: str) -> Callable[[Any], tuple[str, ...]]:
    def outputs(config: Any) -> tuple[str, ...]:
        return handles

    return outputs
