"""The frontend's API types are generated from the OpenAPI schema, and kept current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("api_types", ROOT / "scripts/api_types.py")
assert _spec
assert _spec.loader
api_types = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(api_types)


def test_the_committed_types_match_the_api() -> None:
    # Fails when an API schema changed and `uv run python scripts/api_types.py` was not run.
    assert api_types.OUTPUT.read_text() == api_types.render(api_types.openapi_schema())


def test_schemas_become_typescript() -> None:
    openapi = {
        "components": {
            "schemas": {
                "Kind": {"enum": ["a", "b"], "type": "string"},
                "Thing": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "kind": {"$ref": "#/components/schemas/Kind"},
                        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "either": {
                            "type": "array",
                            "items": {"anyOf": [{"type": "string"}, {"type": "number"}]},
                        },
                        "data": {"type": "object", "additionalProperties": True},
                        "nested": {"type": "object", "properties": {"x": {"type": "boolean"}}},
                        "the-key": {"const": "fixed"},
                    },
                    "required": ["id", "kind", "note"],
                },
            }
        }
    }
    text = api_types.render(openapi)
    assert 'export type Kind = "a" | "b";' in text
    assert (
        "export interface Thing {\n"
        "  id: number;\n"
        "  kind: Kind;\n"
        "  note: string | null;\n"
        "  tags?: string[];\n"
        "  either?: (string | number)[];\n"
        "  data?: Record<string, unknown>;\n"
        "  nested?: {\n"
        "    x?: boolean;\n"
        "  };\n"
        '  "the-key"?: "fixed";\n'
        "}\n"
    ) in text
