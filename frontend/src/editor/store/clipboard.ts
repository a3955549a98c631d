/** Copy and paste of a selection: fresh ids, edges kept only between copied nodes. */
import type { Catalog } from "../catalog/types";
import { edgeId, newNodeId } from "./ids";
import type { FlowEdge, FlowNode } from "./types";

export interface ClipboardContent {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export const PASTE_OFFSET = 40;

export function copySelection(nodes: FlowNode[], edges: FlowEdge[]): ClipboardContent | null {
  const selected = nodes.filter((n) => n.selected);
  if (selected.length === 0) return null;
  const ids = new Set(selected.map((n) => n.id));
  return {
    nodes: structuredClone(selected.map(({ selected: _s, dragging: _d, measured: _m, ...rest }) => rest)),
    edges: structuredClone(edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map(({ selected: _s, ...rest }) => rest)),
  };
}

/** Nodes and edges to add for a paste; node types at their per-graph limit are skipped. */
export function pasteContent(
  content: ClipboardContent,
  existing: FlowNode[],
  catalog: Catalog,
  offset = PASTE_OFFSET,
): ClipboardContent {
  const taken = new Set(existing.map((n) => n.id));
  const counts = new Map<string, number>();
  for (const n of existing) counts.set(n.type ?? "", (counts.get(n.type ?? "") ?? 0) + 1);
  const idMap = new Map<string, string>();
  const nodes: FlowNode[] = [];
  for (const node of content.nodes) {
    const type = node.type ?? "";
    const limit = catalog[type]?.maxPerGraph ?? null;
    const count = counts.get(type) ?? 0;
    if (limit !== null && count >= limit) continue;
    counts.set(type, count + 1);
    const id = newNodeId(type, taken);
    taken.add(id);
    idMap.set(node.id, id);
    nodes.push({
      ...structuredClone(node),
      id,
      position: { x: node.position.x + offset, y: node.position.y + offset },
      selected: true,
    });
  }
  const edges: FlowEdge[] = content.edges.flatMap((e) => {
    const source = idMap.get(e.source);
    const target = idMap.get(e.target);
    if (!source || !target) return [];
    const sourceHandle = e.sourceHandle ?? null;
    const targetHandle = e.targetHandle ?? null;
    return [{ ...structuredClone(e), id: edgeId(source, sourceHandle, target, targetHandle), source, target, selected: false }];
  });
  return { nodes, edges };
}
