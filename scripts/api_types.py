"""TypeScript types for the frontend, generated from betool's OpenAPI schema.

The API's schemas (django-ninja, pydantic) are the single source of the shapes the
frontend reads and sends; ``frontend/src/api/schema.gen.ts`` is written from them so a
changed field is a type error in the frontend, not a surprise in production.

    uv run python scripts/api_types.py          # rewrite the file
    uv run python scripts/api_types.py --check  # exit 1 when it is out of date

A unit test runs the check, so a schema change without regenerating fails the suite.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "frontend/src/api/schema.gen.ts"
HEADER = """\
// Generated from betool's OpenAPI schema by scripts/api_types.py: do not edit.
// After changing an API schema, run `uv run python scripts/api_types.py`.
"""
_REF = "#/components/schemas/"


def openapi_schema() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betool.settings")
    import django

    django.setup()
    from betool.urls import api

    return api.get_openapi_schema()


def ts_type(schema: dict[str, Any], indent: str = "") -> str:
    if "$ref" in schema:
        return schema["$ref"].removeprefix(_REF)
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " | ".join(json.dumps(value) for value in schema["enum"])
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            members = dict.fromkeys(ts_type(member, indent) for member in schema[combinator])
            return " | ".join(members)
    if "allOf" in schema:
        return " & ".join(ts_type(member, indent) for member in schema["allOf"])
    kind = schema.get("type")
    if kind == "array":
        item = ts_type(schema.get("items", {}), indent)
        return f"({item})[]" if " " in item else f"{item}[]"
    if kind == "object" or "properties" in schema:
        return _object(schema, indent)
    return {
        "string": "string",
        "integer": "number",
        "number": "number",
        "boolean": "boolean",
        "null": "null",
    }.get(str(kind), "unknown")


def _object(schema: dict[str, Any], indent: str = "") -> str:
    properties: dict[str, Any] = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    if not properties:
        value = ts_type(extra) if isinstance(extra, dict) and extra else "unknown"
        return f"Record<string, {value}>"
    required = set(schema.get("required", []))
    lines = ["{"]
    for name, prop in properties.items():
        key = name if name.isidentifier() else json.dumps(name)
        optional = "" if name in required else "?"
        lines.append(f"{indent}  {key}{optional}: {ts_type(prop, indent + '  ')};")
    if isinstance(extra, dict) or extra is True:
        value = ts_type(extra) if isinstance(extra, dict) and extra else "unknown"
        lines.append(f"{indent}  [key: string]: {value};")
    lines.append(f"{indent}}}")
    return "\n".join(lines)


def render(openapi: dict[str, Any]) -> str:
    blocks = [HEADER]
    for name, schema in sorted(openapi["components"]["schemas"].items()):
        if schema.get("type") == "object" and schema.get("properties"):
            blocks.append(f"export interface {name} {_object(schema)}\n")
        else:
            blocks.append(f"export type {name} = {ts_type(schema)};\n")
    return "\n".join(blocks)


def main() -> int:
    text = render(openapi_schema())
    if "--check" in sys.argv:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            where = OUTPUT.relative_to(ROOT)
            print(f"{where} is out of date: run uv run python scripts/api_types.py")
            return 1
        return 0
    OUTPUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
