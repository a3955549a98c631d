/** Converts between the saved graph document and the nodes/edges React Flow renders. */
import type { GraphDocument, GraphEdge, GraphNode, GraphSettings } from "../../api/types";
import type { FlowEdge, FlowNode } from "./types";

export const DEFAULT_SETTINGS: GraphSettings = {
  fallback_line: "Sorry, I did not catch that. Could you say it again?",
  iteration_limit: 3,
  turn_timeout_s: 8,
};

/** Every call begins at Start: the canvas never deletes it. */
export const START_TYPE = "start";

const endsTurnOf = (data: { ends_turn?: unknown } | undefined) =>
  Array.isArray(data?.ends_turn) && data.ends_turn.length > 0 ? { ends_turn: data.ends_turn.filter((h): h is string => typeof h === "string") } : {};

export function nodesFromDocument(nodes: GraphNode[]): FlowNode[] {
  return nodes.map((n) => ({
    id: n.id,
    type: n.type,
    position: { x: n.position?.x ?? 0, y: n.position?.y ?? 0 },
    data: { ...(n.data?.label !== undefined ? { label: n.data.label } : {}), config: { ...(n.data?.config ?? {}) }, ...endsTurnOf(n.data) },
    ...(n.width && n.height ? { width: n.width, height: n.height } : {}),
    ...(n.type === START_TYPE ? { deletable: false } : {}),
  }));
}

export function edgesFromDocument(edges: GraphEdge[]): FlowEdge[] {
  return edges.map((e) => ({
    id: e.id,
    source: e.source,
    target: e.target,
    sourceHandle: e.sourceHandle ?? null,
    targetHandle: e.targetHandle ?? null,
    ...(e.data ? { data: e.data } : {}),
  }));
}

export function documentNodes(nodes: FlowNode[]): GraphNode[] {
  return nodes.map((n) => ({
    id: n.id,
    type: n.type ?? "unknown",
    position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    data: { ...(n.data.label !== undefined ? { label: n.data.label } : {}), config: n.data.config, ...endsTurnOf(n.data) },
    ...(n.type === "note" && n.width && n.height ? { width: Math.round(n.width), height: Math.round(n.height) } : {}),
  }));
}

export function documentEdges(edges: FlowEdge[]): GraphEdge[] {
  return edges.map((e) => ({
    id: e.id,
    source: e.source,
    sourceHandle: e.sourceHandle ?? null,
    target: e.target,
    targetHandle: e.targetHandle ?? null,
    ...(e.data && Object.keys(e.data).length > 0 ? { data: e.data } : {}),
  }));
}

export function emptyDocument(): GraphDocument {
  return { schema_version: 2, nodes: [], edges: [], viewport: { x: 0, y: 0, zoom: 1 }, settings: { ...DEFAULT_SETTINGS } };
}
