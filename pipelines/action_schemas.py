"""The test session's ``action`` messages as JSON Schema, for the API's OpenAPI components.

Each action's params dataclass is the one source of its fields: the websocket sends them as
``params``, and the frontend's generated types (``schema.gen.ts``) carry them from here.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from pipelines.nodes import ACTION_PARAMS

_REF = "#/components/schemas/{model}"


def action_message_schemas() -> dict[str, dict[str, Any]]:
    """``<Name>Params`` per action, and ``ActionMessage``: one of them by ``action``."""
    schemas: dict[str, dict[str, Any]] = {}
    messages: list[dict[str, Any]] = []
    for kind, params in ACTION_PARAMS.items():
        schema = TypeAdapter(params).json_schema(ref_template=_REF, mode="serialization")
        schemas.update(schema.pop("$defs", {}))
        # ``as_dict`` sends every field, defaults too.
        schema["required"] = list(schema.get("properties", {}))
        schemas[params.__name__] = schema
        messages.append(
            {
                "type": "object",
                "properties": {
                    "type": {"const": "action"},
                    "action": {"const": kind},
                    "params": {"$ref": _REF.format(model=params.__name__)},
                    "node_id": {"type": "string"},
                },
                "required": ["type", "action", "params", "node_id"],
            }
        )
    schemas["ActionMessage"] = {"oneOf": messages}
    return schemas
