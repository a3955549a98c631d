"""Set variables: store values (templated) in call-scoped variables."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field, field_validator

from pipelines.nodes.base import BuildContext, NodeConfig, NodeType, TemplateRef, static_outputs
from pipelines.nodes.fields import VariableName, duplicates, template_field
from pipelines.templating import CompiledTemplate, compile_template
from pipelines.turn.runtime import NodeRuntime, TurnState


class Assignment(BaseModel):
    variable: VariableName
    value: str = template_field("", title="Value", description="Text or {{ placeholders }}.")


class SetVariablesConfig(NodeConfig):
    assignments: list[Assignment] = Field(default_factory=list, title="Assignments")

    @field_validator("assignments")
    @classmethod
    def _unique(cls, assignments: list[Assignment]) -> list[Assignment]:
        repeated = duplicates([a.variable for a in assignments])
        if repeated:
            raise ValueError(f"'{repeated[0]}' is set twice in the same node")
        return assignments


class SetVariablesRuntime(NodeRuntime):
    __slots__ = ("_assignments",)

    def __init__(self, node_id: str, config: SetVariablesConfig) -> None:
        super().__init__(node_id)
        self._assignments: tuple[tuple[str, CompiledTemplate], ...] = tuple(
            (a.variable, compile_template(a.value)) for a in config.assignments
        )

    def execute(self, turn: TurnState) -> str | None:
        scope = turn.scope
        values = {name: template.render(scope) for name, template in self._assignments}
        turn.pending.append(turn.set_variables(values))
        turn.step.output = values
        return "out"


def _build(context: BuildContext[SetVariablesConfig]) -> NodeRuntime:
    return SetVariablesRuntime(context.node_id, context.config)


def _templates(config: SetVariablesConfig) -> Iterable[TemplateRef]:
    return (
        TemplateRef(f"assignments.{i}.value", a.value) for i, a in enumerate(config.assignments)
    )


def _sets(config: SetVariablesConfig) -> Iterable[str]:
    return (a.variable for a in config.assignments)


SET_VARIABLES = NodeType(
    key="set_variables",
    label="Set variables",
    description="Remember values for the rest of the call.",
    category="data",
    icon="variable",
    config_model=SetVariablesConfig,
    outputs=static_outputs("out"),
    output_hint=("out",),
    build=_build,
    templates=_templates,
    sets_variables=_sets,
)
