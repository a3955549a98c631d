/** Validation problems mapped onto the graph: what each node and edge shows. */
import type { Problem, Severity } from "../../api/types";

export interface NodeProblemSummary {
  severity: Severity | null;
  count: number;
  messages: string[];
  codes: string[];
  /** top-level config fields with a problem, for the inspector */
  fields: string[];
}

/** The problem of a node that needs a language model the workspace does not have. */
export const NEEDS_MODEL = "needs_language_model";

const NONE: NodeProblemSummary = { severity: null, count: 0, messages: [], codes: [], fields: [] };

export function problemsByNode(problems: Problem[]): Map<string, NodeProblemSummary> {
  const byNode = new Map<string, NodeProblemSummary>();
  for (const problem of problems) {
    if (!problem.node_id) continue;
    const current = byNode.get(problem.node_id) ?? NONE;
    byNode.set(problem.node_id, {
      severity: current.severity === "error" || problem.severity === "error" ? "error" : "warning",
      count: current.count + 1,
      messages: [...current.messages, problem.message],
      codes: [...current.codes, problem.code],
      fields: problem.field ? [...current.fields, problem.field.split(".")[0] ?? problem.field] : current.fields,
    });
  }
  return byNode;
}

export function problemEdgeIds(problems: Problem[]): Set<string> {
  return new Set(problems.flatMap((p) => (p.edge_id ? [p.edge_id] : [])));
}

export function summaryFor(map: Map<string, NodeProblemSummary>, nodeId: string): NodeProblemSummary {
  return map.get(nodeId) ?? NONE;
}

export function countBySeverity(problems: Problem[]): { errors: number; warnings: number } {
  const errors = problems.filter((p) => p.severity === "error").length;
  return { errors, warnings: problems.length - errors };
}
