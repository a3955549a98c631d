"""Starter pipelines a designer can open and run at once (JSON files beside this module)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.graph.document import migrate_document

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


@cache
def _load() -> dict[str, dict[str, Any]]:
    templates = {}
    for path in sorted(TEMPLATE_DIR.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        templates[path.stem] = document
    return templates


def template_list() -> list[dict[str, str]]:
    return [
        {"key": key, "name": doc["name"], "description": doc["description"]}
        for key, doc in _load().items()
    ]


def template_get(key: str) -> dict[str, Any] | None:
    """A fresh copy of the template's export document, graph migrated, or None."""
    document = _load().get(key)
    if document is None:
        return None
    return {**document, "graph": migrate_document(document["graph"])}
