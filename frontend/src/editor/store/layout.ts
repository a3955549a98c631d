/** Left-to-right auto-layout of the graph with dagre; sticky notes keep their place. */
import dagre from "@dagrejs/dagre";
import type { FlowEdge, FlowNode } from "./types";

const DEFAULT_WIDTH = 216;
const DEFAULT_HEIGHT = 110;

/** A node's output handles, top to bottom as its card draws them. */
export type OutputOrder = (node: FlowNode) => string[];

export function layoutNodes(nodes: FlowNode[], edges: FlowEdge[], outputOrder: OutputOrder = () => []): FlowNode[] {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "LR", nodesep: 40, ranksep: 90, marginx: 40, marginy: 40 });
  graph.setDefaultEdgeLabel(() => ({}));
  const placed = nodes.filter((n) => n.type !== "note");
  for (const node of placed) {
    graph.setNode(node.id, {
      width: node.measured?.width ?? node.width ?? DEFAULT_WIDTH,
      height: node.measured?.height ?? node.height ?? DEFAULT_HEIGHT,
    });
  }
  const byId = new Map(placed.map((n) => [n.id, n]));
  const handleRank = (edge: FlowEdge) => {
    const source = byId.get(edge.source);
    const index = source ? outputOrder(source).indexOf(edge.sourceHandle ?? "") : -1;
    return index < 0 ? Number.MAX_SAFE_INTEGER : index;
  };
  const drawn = edges.filter((e) => graph.hasNode(e.source) && graph.hasNode(e.target));
  const ordered = [...drawn].sort((a, b) => handleRank(a) - handleRank(b));
  for (const edge of ordered) graph.setEdge(edge.source, edge.target);
  dagre.layout(graph);
  const y = new Map(placed.map((n) => [n.id, graph.node(n.id).y]));
  untangleOutputs(placed, ordered, y);
  return nodes.map((node) => {
    if (node.type === "note") return node;
    const box = graph.node(node.id);
    if (!box) return node;
    return { ...node, position: { x: Math.round(box.x - box.width / 2), y: Math.round((y.get(node.id) ?? box.y) - box.height / 2) } };
  });
}

/**
 * Dagre minimises crossings between whole nodes, not between a node's output handles: the
 * branches of a classifier can come out in another order than its outputs, crossing each other.
 * Each node's branches that only it leads to take the rows they were given, in the order of
 * its outputs, and carry the nodes they alone lead to with them.
 */
function untangleOutputs(nodes: FlowNode[], edges: FlowEdge[], y: Map<string, number>): void {
  const parents = new Map<string, Set<string>>();
  for (const e of edges) parents.set(e.target, (parents.get(e.target) ?? new Set()).add(e.source));
  const ownChildren = (id: string) => {
    const seen = new Set<string>();
    return edges.filter((e) => e.source === id && e.target !== id && parents.get(e.target)?.size === 1 && !seen.has(e.target) && seen.add(e.target)).map((e) => e.target);
  };
  const shift = (id: string, dy: number, visited: Set<string>) => {
    if (visited.has(id)) return;
    visited.add(id);
    y.set(id, (y.get(id) ?? 0) + dy);
    for (const child of ownChildren(id)) shift(child, dy, visited);
  };
  for (const node of nodes) {
    const children = ownChildren(node.id);
    if (children.length < 2) continue;
    const rows = children.map((c) => y.get(c) ?? 0).sort((a, b) => a - b);
    children.forEach((child, i) => {
      const dy = (rows[i] ?? 0) - (y.get(child) ?? 0);
      if (dy !== 0) shift(child, dy, new Set([node.id]));
    });
  }
}
