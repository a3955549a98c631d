/** Left-to-right auto-layout of the graph with dagre; sticky notes keep their place. */
import dagre from "@dagrejs/dagre";
import type { FlowEdge, FlowNode } from "./types";

const DEFAULT_WIDTH = 216;
const DEFAULT_HEIGHT = 110;

export function layoutNodes(nodes: FlowNode[], edges: FlowEdge[]): FlowNode[] {
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
  for (const edge of edges) {
    if (graph.hasNode(edge.source) && graph.hasNode(edge.target)) graph.setEdge(edge.source, edge.target);
  }
  dagre.layout(graph);
  return nodes.map((node) => {
    if (node.type === "note") return node;
    const box = graph.node(node.id);
    if (!box) return node;
    return { ...node, position: { x: Math.round(box.x - box.width / 2), y: Math.round(box.y - box.height / 2) } };
  });
}
