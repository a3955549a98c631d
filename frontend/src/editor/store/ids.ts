/** Fresh ids for nodes and edges, unique within a graph. */

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 8);
}

export function newNodeId(type: string, taken: ReadonlySet<string>): string {
  for (;;) {
    const id = `${type}_${randomSuffix()}`;
    if (!taken.has(id)) return id;
  }
}

export function edgeId(source: string, sourceHandle: string | null, target: string, targetHandle: string | null): string {
  return `e_${source}.${sourceHandle ?? "out"}-${target}.${targetHandle ?? "in"}`;
}
