"""Router: deterministic branches on exchange fields and variables, first match wins."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from pipelines.nodes.base import BuildContext, NodeConfig, NodeType, TemplateRef
from pipelines.nodes.fields import HandleName, duplicates
from pipelines.templating import compile_condition
from pipelines.turn.runtime import NodeRuntime, TurnState

Operator = Literal[
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "one_of",
    "is_empty",
    "is_not_empty",
    "greater_than",
    "less_than",
]
ELSE = "else"
HANDLE_PREFIX = "condition:"


class RouteCondition(BaseModel):
    name: HandleName
    field: str = Field(
        "exchange.intent",
        title="Field",
        description="What to look at: exchange.user_message, exchange.intent, a variable...",
        pattern=r"^([A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*)?$",
    )
    operator: Operator = Field("equals", title="Test")
    value: str = Field("", title="Value", description="For one_of: values separated by commas.")
    expression: str = Field(
        "",
        title="Advanced expression",
        description="A Jinja expression such as  variables.count|int > 2 ; replaces the above.",
        json_schema_extra={"format": "expression"},
    )

    @model_validator(mode="after")
    def _field_or_expression(self) -> RouteCondition:
        if not self.field and not self.expression.strip():
            raise ValueError(f"condition '{self.name}' needs a field to test or an expression")
        return self


class RouterConfig(NodeConfig):
    conditions: list[RouteCondition] = Field(default_factory=list, title="Conditions")

    @field_validator("conditions")
    @classmethod
    def _unique(cls, conditions: list[RouteCondition]) -> list[RouteCondition]:
        repeated = duplicates([c.name for c in conditions])
        if repeated:
            raise ValueError(f"two conditions are named '{repeated[0]}'")
        return conditions


def _path_reader(path: str) -> Callable[[Mapping[str, Any]], Any]:
    root, *rest = path.split(".")

    def read(scope: Mapping[str, Any]) -> Any:
        value: Any = scope.get(root)
        for part in rest:
            if value.__class__ is not dict and not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value

    return read


def _normal(value: Any) -> str:
    return "" if value is None else str(value).strip().casefold()


def _number(value: Any) -> float | None:
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _numeric(compare: Callable[[float, float], bool], expected: str) -> Callable[[Any], bool]:
    target = _number(expected)

    def test(actual: Any) -> bool:
        number = _number(actual) if actual is not None else None
        return target is not None and number is not None and compare(number, target)

    return test


def _operator_test(name: Operator, expected: str) -> Callable[[Any], bool]:
    """The comparison, with its expected value normalised once at compile time."""
    want = _normal(expected)
    tests: dict[str, Callable[[Any], bool]] = {
        "equals": lambda actual: _normal(actual) == want,
        "not_equals": lambda actual: _normal(actual) != want,
        "contains": lambda actual: want in _normal(actual),
        "not_contains": lambda actual: want not in _normal(actual),
        "starts_with": lambda actual: _normal(actual).startswith(want),
        "ends_with": lambda actual: _normal(actual).endswith(want),
        "is_empty": lambda actual: _normal(actual) == "",
        "is_not_empty": lambda actual: _normal(actual) != "",
    }
    if name == "one_of":
        choices = frozenset(_normal(part) for part in expected.split(","))
        return lambda actual: _normal(actual) in choices
    if name == "greater_than":
        return _numeric(operator.gt, expected)
    if name == "less_than":
        return _numeric(operator.lt, expected)
    return tests[name]


def compile_route(condition: RouteCondition) -> Callable[[Mapping[str, Any]], bool]:
    if condition.expression.strip():
        return compile_condition(condition.expression)
    read = _path_reader(condition.field)
    test = _operator_test(condition.operator, condition.value)
    return lambda scope: test(read(scope))


class RouterRuntime(NodeRuntime):
    __slots__ = ("_routes",)

    def __init__(self, node_id: str, config: RouterConfig) -> None:
        super().__init__(node_id)
        self._routes = tuple((HANDLE_PREFIX + c.name, compile_route(c)) for c in config.conditions)

    def execute(self, turn: TurnState) -> str | None:
        scope = turn.scope
        for handle, matches in self._routes:
            if matches(scope):
                turn.step.output = handle
                return handle
        turn.step.output = ELSE
        return ELSE


def _build(context: BuildContext[RouterConfig]) -> NodeRuntime:
    return RouterRuntime(context.node_id, context.config)


def _outputs(config: RouterConfig) -> tuple[str, ...]:
    return (*(HANDLE_PREFIX + c.name for c in config.conditions), ELSE)


def _templates(config: RouterConfig) -> Iterable[TemplateRef]:
    for index, condition in enumerate(config.conditions):
        if condition.expression.strip():
            yield TemplateRef(f"conditions.{index}.expression", condition.expression, True)
        else:
            yield TemplateRef(f"conditions.{index}.field", condition.field, True)


ROUTER = NodeType(
    key="router",
    label="Router",
    description="Choose a branch by testing the caller's words, the intent or variables.",
    category="flow",
    icon="split",
    config_model=RouterConfig,
    outputs=_outputs,
    output_hint=("condition:<name>", ELSE),
    build=_build,
    templates=_templates,
)
