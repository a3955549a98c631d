"""The graph document as React Flow saves it, plus ``schema_version`` and pipeline settings."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

CURRENT_SCHEMA_VERSION = 2
DEFAULT_FALLBACK_LINE = "Sorry, I did not catch that. Could you say it again?"
DEFAULT_SETTINGS: dict[str, Any] = {
    "fallback_line": DEFAULT_FALLBACK_LINE,
    "iteration_limit": 3,
    "turn_timeout_s": 8.0,
}


class GraphDocumentError(ValueError):
    """The document cannot be read as a pipeline graph; the message is for a designer."""


def new_document() -> dict[str, Any]:
    """A graph with only its Start node, ready to draw on."""
    return {
        "schema_version": CURRENT_SCHEMA_VERSION,
        "nodes": [
            {
                "id": "start",
                "type": "start",
                "position": {"x": 80, "y": 200},
                "data": {
                    "label": "Start",
                    "config": {
                        "receiver": "phone_gateway",
                        "greeting": "Hello! How can I help you today?",
                    },
                },
            }
        ],
        "edges": [],
        "viewport": {"x": 0, "y": 0, "zoom": 1},
        "settings": dict(DEFAULT_SETTINGS),
    }


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """v1 kept node configs flat in ``data`` and had no ``settings``; v2 nests ``config``.

    Anything that is not shaped like a node is left as it is, for validation to report."""
    nodes = doc.get("nodes")
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict) or not isinstance(node.get("data"), dict):
            continue
        data = node["data"]
        if "config" not in data:
            label = data.pop("label", None)
            node["data"] = {"config": data} | ({"label": label} if label is not None else {})
    doc.setdefault("settings", dict(DEFAULT_SETTINGS))
    return doc


_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


def migrate_document(document: Any) -> dict[str, Any]:
    """The document brought to ``CURRENT_SCHEMA_VERSION``; the input is left untouched."""
    if not isinstance(document, dict):
        raise GraphDocumentError("A pipeline graph must be a JSON object.")
    doc = copy.deepcopy(document)
    version = doc.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise GraphDocumentError("schema_version must be a positive whole number.")
    if version > CURRENT_SCHEMA_VERSION:
        raise GraphDocumentError(
            f"This graph was made by a newer betool (schema {version}); "
            f"this one reads up to schema {CURRENT_SCHEMA_VERSION}."
        )
    while version < CURRENT_SCHEMA_VERSION:
        doc = _MIGRATIONS[version](doc)
        version += 1
        doc["schema_version"] = version
    doc.setdefault("nodes", [])
    doc.setdefault("edges", [])
    doc.setdefault("viewport", {"x": 0, "y": 0, "zoom": 1})
    settings = doc.get("settings")
    doc["settings"] = DEFAULT_SETTINGS | (settings if isinstance(settings, dict) else {})
    _ensure_storable(doc)
    return doc


# json.dumps writes NUL as \u0000; an even run of backslashes before it is literal text.
_ESCAPED_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _ensure_storable(doc: dict[str, Any]) -> None:
    """Refuses what the database's JSON columns refuse, with a message instead of a 500."""
    try:
        text = json.dumps(doc, allow_nan=False)
    except ValueError as exc:
        raise GraphDocumentError("Numbers in a graph must be finite (no Infinity or NaN).") from exc
    if _ESCAPED_NUL.search(text):
        raise GraphDocumentError("Text in a graph may not contain the NUL character.")
