"""What suites need to know of a graph: its nodes, each node's outputs, the edges out of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.graph.validation import analyze_graph


@dataclass(frozen=True, slots=True)
class OutputRef:
    node_id: str
    handle: str
    edge_id: str | None
    target: str | None


@dataclass(slots=True)
class GraphFacts:
    node_types: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    configs: dict[str, Any] = field(default_factory=dict)
    # Outputs of the nodes a call can reach (the Start's included), in document order.
    outputs: list[OutputRef] = field(default_factory=list)
    start_id: str | None = None

    def outputs_of(self, node_id: str) -> list[str]:
        return [ref.handle for ref in self.outputs if ref.node_id == node_id]

    def branch_points(self) -> list[OutputRef]:
        """What coverage counts: every connected output, and every output of a node that
        chooses between several (an open one of those ends the turn, and is a branch too).
        The Start's one output is taken by every call."""
        choices: dict[str, int] = {}
        for ref in self.outputs:
            choices[ref.node_id] = choices.get(ref.node_id, 0) + 1
        return [
            ref
            for ref in self.outputs
            if ref.node_id != self.start_id and (ref.target is not None or choices[ref.node_id] > 1)
        ]


def graph_facts(graph: Any) -> GraphFacts:
    analysis = analyze_graph(graph)
    facts = GraphFacts(start_id=analysis.start_id)
    document = analysis.document or {}
    edge_ids: dict[tuple[str, str], str] = {}
    for edge in document.get("edges", []) if isinstance(document.get("edges"), list) else []:
        if isinstance(edge, dict) and edge.get("source"):
            handle = edge.get("sourceHandle") or "out"
            edge_ids.setdefault((str(edge["source"]), str(handle)), str(edge.get("id")))
    for node_id, parsed in analysis.nodes.items():
        facts.node_types[node_id] = parsed.node_type.key
        facts.labels[node_id] = parsed.title
        facts.configs[node_id] = parsed.config
        if parsed.config is None or node_id not in analysis.reachable:
            continue
        for handle in parsed.node_type.outputs(parsed.config):
            target = analysis.routes.get((node_id, handle))
            if target is None and handle in parsed.node_type.optional_outputs:
                continue  # an open optional output (a transfer's busy): the call just goes on
            facts.outputs.append(
                OutputRef(
                    node_id,
                    handle,
                    edge_ids.get((node_id, handle)),
                    target,
                )
            )
    return facts
