"""Config field types shared by node types, with the editor hints the forms read."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from pipelines.engine.runtime import RESERVED_NAMES


def _not_reserved(name: str) -> str:
    if name in RESERVED_NAMES:
        raise ValueError(f"'{name}' is a reserved name; choose another variable name")
    return name


VariableName = Annotated[
    str,
    Field(
        title="Variable",
        pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$",
        description="Letters, digits and _; starts with a letter.",
    ),
    AfterValidator(_not_reserved),
]

HandleName = Annotated[
    str,
    Field(
        title="Name",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$",
        description="Short name shown on the output; letters, digits, - and _.",
    ),
]


def template_field(default: Any = "", *, title: str, description: str = "", **extra: Any) -> Any:
    """A text field that may hold ``{{ }}`` placeholders; the editor offers variable hints.

    ``default=...`` makes it required. Extra keywords are pydantic constraints.
    """
    return Field(
        default,
        title=title,
        description=description,
        json_schema_extra={"format": "template"},
        **extra,
    )


def duplicates(names: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for name in names:
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    return repeated
