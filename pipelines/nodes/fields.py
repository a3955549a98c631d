"""Config field types shared by node types, with the editor hints the forms read."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from pipelines.barge_in import INHERIT
from pipelines.turn.runtime import RESERVED_NAMES


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


def model_field(*, description: str) -> Any:
    """The name of one of the workspace's language models; empty means its default model.
    The editor draws it as a picker of the workspace's voice models."""
    return Field(
        "",
        title="Model",
        description=description,
        max_length=120,
        json_schema_extra={"format": "llm_model"},
    )


# The phone network takes E.164 numbers (+ and up to 15 digits) or SIP addresses.
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_SIP_URI = re.compile(r"^sips?:[^\s@]+(@[^\s@]+)?$", re.IGNORECASE)


def transfer_destination_problem(destination: str) -> str | None:
    """Why a transfer destination would be refused by the phone network, or None.
    A templated destination is only known during the call."""
    value = destination.strip()
    if not value or "{{" in value or _E164.match(value) or _SIP_URI.match(value):
        return None
    return (
        "use a number in international format such as +15551234567, "
        "or a SIP address such as sip:desk@example.com"
    )


def _valid_destination(destination: str) -> str:
    problem = transfer_destination_problem(destination)
    if problem is not None:
        raise ValueError(problem)
    return destination


TransferDestination = Annotated[str, AfterValidator(_valid_destination)]


def duplicates(names: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for name in names:
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    return repeated


def barge_in_mode_field() -> Any:
    return Field(
        INHERIT,
        title="Caller interrupts by",
        description="What lets the caller cut this off; 'As the number says' keeps the "
        "phone number's choice.",
        json_schema_extra={
            "x-enum-labels": ["As the number says", "Nothing", "Speaking", "A key", "Either"]
        },
    )


def barge_in_sensitivity_field() -> Any:
    return Field(
        INHERIT,
        title="Interruption sensitivity",
        description="Low: only sustained, clear speech interrupts. High: a short word does.",
        json_schema_extra={"x-enum-labels": ["As the number says", "Low", "Medium", "High"]},
    )
