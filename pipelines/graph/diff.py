"""What changed between two graphs, by node and edge id, for the version history view."""

from __future__ import annotations

from typing import Any

# Moving a node on the canvas changes nothing about what a call does.
_IGNORED_NODE_KEYS = {"position", "selected", "dragging", "measured", "width", "height"}


def _by_id(items: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(items, list):
        return {}
    return {str(i["id"]): i for i in items if isinstance(i, dict) and "id" in i}


def _meaningful(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k not in _IGNORED_NODE_KEYS}


def _edge_key(edge: dict[str, Any]) -> tuple[Any, ...]:
    return (
        edge.get("source"),
        edge.get("sourceHandle"),
        edge.get("target"),
        edge.get("targetHandle"),
    )


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    fields = []
    if before.get("type") != after.get("type"):
        fields.append("type")
    before_data, after_data = before.get("data") or {}, after.get("data") or {}
    if before_data.get("label") != after_data.get("label"):
        fields.append("label")
    before_cfg, after_cfg = before_data.get("config") or {}, after_data.get("config") or {}
    fields += sorted(
        f"config.{key}"
        for key in before_cfg.keys() | after_cfg.keys()
        if before_cfg.get(key) != after_cfg.get(key)
    )
    return fields


def graph_diff(base: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    base_nodes, target_nodes = _by_id(base.get("nodes")), _by_id(target.get("nodes"))
    changed = [
        {"id": node_id, "fields": _changed_fields(base_nodes[node_id], target_nodes[node_id])}
        for node_id in sorted(base_nodes.keys() & target_nodes.keys())
        if _meaningful(base_nodes[node_id]) != _meaningful(target_nodes[node_id])
    ]
    base_edges = {_edge_key(e): e for e in _by_id(base.get("edges")).values()}
    target_edges = {_edge_key(e): e for e in _by_id(target.get("edges")).values()}
    return {
        "nodes": {
            "added": sorted(target_nodes.keys() - base_nodes.keys()),
            "removed": sorted(base_nodes.keys() - target_nodes.keys()),
            "changed": changed,
        },
        "edges": {
            "added": [target_edges[k]["id"] for k in target_edges.keys() - base_edges.keys()],
            "removed": [base_edges[k]["id"] for k in base_edges.keys() - target_edges.keys()],
        },
        "settings_changed": base.get("settings") != target.get("settings"),
    }
