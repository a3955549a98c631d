"""The error responses of every endpoint, declared in the OpenAPI document.

Every route of the API can answer with betool's error shape (``ApiError`` →
``{"error": {"code", "message", "details"}}``): 400 for a body that is not JSON, 401 and 403
from authentication and roles, 404 for what is not in the workspace, 409 for conflicts, 413
for bodies over the size limit, 422 for invalid input. ``declare_error_responses`` adds
them to each operation of the generated document, so a schema-driven client (and
schemathesis) can rely on them; nothing has to be added to a new route. A route can narrow
or extend its own list with ``openapi_extra={"x-betool-errors": [404, 409]}``.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA_NAME = "ApiError"
ERROR_SCHEMA: dict[str, Any] = {
    "title": ERROR_SCHEMA_NAME,
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "A stable code, per app (an enum)."},
                "message": {"type": "string", "description": "What went wrong, for a person."},
                "details": {"description": "Per-field problems or the current state."},
            },
        }
    },
}
DESCRIPTIONS = {
    400: "The request could not be read (a body that is not JSON).",
    401: "Not signed in, or no valid API token.",
    403: "Not a member of this workspace, or the role does not allow this.",
    404: "Not found in this workspace.",
    409: "A conflict with the current state (a stale draft, a name already taken).",
    413: "The request or the graph is larger than its limit.",
    422: "Invalid input; details name each field.",
}
_WITH_BODY = frozenset({"post", "put", "patch"})
_EXTENSION = "x-betool-errors"


def _statuses(method: str, operation: dict[str, Any]) -> list[int]:
    declared = operation.pop(_EXTENSION, None)
    if declared is not None:
        return sorted(int(status) for status in declared)
    statuses = {400, 404, 409, 422}
    if method in _WITH_BODY:
        statuses.add(413)
    if operation.get("security"):  # routes with auth=None have no security requirement
        statuses |= {401, 403}
    return sorted(statuses)


def declare_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Adds the error responses (and the ``ApiError`` schema) to every operation."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status in _statuses(method, operation):
                responses.setdefault(
                    status,
                    {
                        "description": DESCRIPTIONS.get(status, "An error."),
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return schema
