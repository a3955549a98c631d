"""Post-call analysis, as a pipeline's settings declare it: a summary, an outcome from the
designer's list, and typed fields extracted from the transcript. One declaration for the
editor's form, the server's validation and the JSON Schema the model is asked to follow."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines.nodes.fields import VariableName

FieldType = Literal["string", "number", "boolean", "enum", "date"]
DEFAULT_OUTCOMES = ["resolved", "transferred", "abandoned", "voicemail"]


class AnalysisField(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    name: VariableName = Field(title="Name")
    type: FieldType = Field("string", title="Type")
    description: str = Field("", title="What it is", max_length=300)
    options: list[str] = Field(default_factory=list, title="Choices (enum)", max_length=50)
    required: bool = Field(False, title="Always expected")

    @model_validator(mode="after")
    def _enum_has_choices(self) -> AnalysisField:
        if self.type == "enum" and not [o for o in self.options if o.strip()]:
            raise ValueError(f"the field {self.name} is a choice: give it its choices")
        return self

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any]
        if self.type == "enum":
            schema = {"type": "string", "enum": [o for o in self.options if o.strip()]}
        elif self.type == "date":
            schema = {"type": "string", "format": "date"}
        else:
            schema = {"type": self.type}
        if self.description:
            schema["description"] = self.description
        return schema if self.required else {"anyOf": [schema, {"type": "null"}]}


class AnalysisSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    enabled: bool = Field(False, title="Analyse each call after it ends")
    summary: bool = Field(True, title="Write a summary")
    outcomes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_OUTCOMES), title="Outcomes", max_length=30
    )
    fields: list[AnalysisField] = Field(default_factory=list, title="Fields", max_length=40)
    # A language model's configuration name; empty: the workspace's default.
    model: str = Field("", title="Language model", max_length=120)

    @model_validator(mode="after")
    def _names_unique(self) -> AnalysisSettings:
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError("two analysis fields have the same name")
        return self

    @property
    def outcome_choices(self) -> list[str]:
        return [o.strip() for o in self.outcomes if o.strip()]

    def answer_schema(self) -> dict[str, Any]:
        """What the model must answer: one JSON object."""
        properties: dict[str, Any] = {}
        if self.summary:
            properties["summary"] = {"type": "string"}
        if self.outcome_choices:
            properties["outcome"] = {"type": "string", "enum": self.outcome_choices}
        properties["fields"] = {
            "type": "object",
            "properties": {f.name: f.json_schema() for f in self.fields},
            "required": [f.name for f in self.fields],
            "additionalProperties": False,
        }
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }
