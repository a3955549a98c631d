import type { Edge, Node } from "@xyflow/react";
import type { GraphSettings } from "../../api/types";

export type NodeConfig = Record<string, unknown>;

export type FlowNodeData = { label?: string; config: NodeConfig; ends_turn?: string[] };
export type FlowNode = Node<FlowNodeData>;
export type FlowEdge = Edge;

/** What undo/redo restores: the graph, not the selection or the viewport. */
export interface GraphSnapshot {
  nodes: FlowNode[];
  edges: FlowEdge[];
  settings: GraphSettings;
}

export type RunStatus = "active" | "visited" | "failed";
