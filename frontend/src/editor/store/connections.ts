/** Whether an edge may be drawn: typed handles, no self-loops, no duplicates. */
import type { Connection } from "@xyflow/react";
import { inputHandles, outputHandles } from "../catalog/handles";
import type { Catalog } from "../catalog/types";
import type { FlowEdge, FlowNode } from "./types";

export type ConnectionVerdict = { ok: true } | { ok: false; reason: string };

export function checkConnection(connection: Connection, nodes: FlowNode[], edges: FlowEdge[], catalog: Catalog): ConnectionVerdict {
  const source = nodes.find((n) => n.id === connection.source);
  const target = nodes.find((n) => n.id === connection.target);
  if (!source || !target) return { ok: false, reason: "Both ends must be nodes." };
  if (source.id === target.id) return { ok: false, reason: "A node cannot connect to itself." };
  const sourceSpec = catalog[source.type ?? ""];
  const targetSpec = catalog[target.type ?? ""];
  const outputs = outputHandles(sourceSpec, source.data.config);
  if (!outputs.some((h) => h.id === connection.sourceHandle)) {
    return { ok: false, reason: `${sourceSpec?.label ?? "This node"} has no output “${connection.sourceHandle ?? ""}”.` };
  }
  const inputs = inputHandles(targetSpec);
  if (!inputs.some((h) => h.id === connection.targetHandle)) {
    return { ok: false, reason: `${targetSpec?.label ?? "That node"} takes no input there.` };
  }
  const taken = edges.some((e) => e.source === connection.source && e.sourceHandle === connection.sourceHandle);
  if (taken) return { ok: false, reason: "That output already leads somewhere: a turn follows one connection per output. Delete it first." };
  return { ok: true };
}
