"""Pydantic's validation errors of a node config, told in the inspector's own words."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo


@dataclass(frozen=True, slots=True)
class ConfigError:
    field: str | None  # dotted location, e.g. "conditions.0.name"
    message: str  # "Conditions #1, Name: use letters, digits, - and _."


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``Model``, ``list[Model]`` or ``Model | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _inner_model(argument)
        if found is not None:
            return found
    return None


def _walk(model: type[BaseModel], location: tuple[int | str, ...]) -> tuple[str, FieldInfo | None]:
    """(form label path, the innermost field) for a pydantic error location."""
    labels: list[str] = []
    info: FieldInfo | None = None
    current: type[BaseModel] | None = model
    for part in location:
        if isinstance(part, int):
            if labels:
                labels[-1] += f" #{part + 1}"
            continue
        if current is None or part not in current.model_fields:
            labels.append(part)
            info = None
            continue
        info = current.model_fields[part]
        labels.append(info.title or part.replace("_", " ").capitalize())
        current = _inner_model(info.annotation)
    return ", ".join(labels), info


def _wording(detail: Any, info: FieldInfo | None) -> str:
    kind = detail["type"]
    hint = info.description if info is not None and info.description else ""
    if kind == "missing":
        return "this is required"
    if kind == "string_pattern_mismatch":
        return f"this is not allowed here ({hint.rstrip('.')})" if hint else "this is not allowed"
    if kind == "string_too_short":
        return "this cannot be empty"
    if kind == "too_short":
        return "add at least one"
    if kind in ("int_parsing", "float_parsing", "int_type", "float_type"):
        return "this must be a number"
    return str(detail["msg"]).removeprefix("Value error, ")


def describe_config_errors(model: type[BaseModel], error: ValidationError) -> Iterator[ConfigError]:
    for detail in error.errors(include_url=False):
        location = tuple(detail["loc"])
        label, info = _walk(model, location)
        dotted = ".".join(str(part) for part in location) or None
        wording = _wording(detail, info)
        # A rule about the node as a whole has no field to name.
        message = f"{label}: {wording}." if label else f"{wording[:1].upper()}{wording[1:]}."
        yield ConfigError(dotted, message)
