/** Which nodes a version diff marks as added / changed / removed, while the history panel is open. */
import { create } from "zustand";

interface DiffHighlightState {
  added: Set<string>;
  changed: Set<string>;
  removed: Set<string>;
  set: (diff: { added: string[]; changed: string[]; removed: string[] } | null) => void;
}

export const useDiffHighlight = create<DiffHighlightState>()((set) => ({
  added: new Set(),
  changed: new Set(),
  removed: new Set(),
  set: (diff) =>
    set({
      added: new Set(diff?.added ?? []),
      changed: new Set(diff?.changed ?? []),
      removed: new Set(diff?.removed ?? []),
    }),
}));

export function useNodeDiffClass(nodeId: string): string {
  return useDiffHighlight((s) =>
    s.added.has(nodeId) ? "diff-added" : s.changed.has(nodeId) ? "diff-changed" : s.removed.has(nodeId) ? "diff-removed" : "",
  );
}
