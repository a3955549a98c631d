/** Snapshot undo/redo, capped, with coalescing of rapid edits to one field (typing). */
import type { GraphSnapshot } from "./types";

export const HISTORY_LIMIT = 100;
const COALESCE_MS = 1000;

export interface History {
  past: GraphSnapshot[];
  future: GraphSnapshot[];
  /** the key and time of the last recorded edit, to fold keystrokes into one step */
  lastKey: string | null;
  lastAt: number;
}

export const emptyHistory = (): History => ({ past: [], future: [], lastKey: null, lastAt: 0 });

/** History after recording `before` as the state to go back to; `key` folds repeated edits. */
export function record(history: History, before: GraphSnapshot, key: string | null = null, now = Date.now()): History {
  if (key !== null && key === history.lastKey && now - history.lastAt < COALESCE_MS) {
    return { ...history, future: [], lastAt: now };
  }
  const past = [...history.past, before];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { past, future: [], lastKey: key, lastAt: now };
}

export function undo(history: History, current: GraphSnapshot): { history: History; snapshot: GraphSnapshot } | null {
  const previous = history.past[history.past.length - 1];
  if (!previous) return null;
  return {
    history: { past: history.past.slice(0, -1), future: [current, ...history.future], lastKey: null, lastAt: 0 },
    snapshot: previous,
  };
}

export function redo(history: History, current: GraphSnapshot): { history: History; snapshot: GraphSnapshot } | null {
  const next = history.future[0];
  if (!next) return null;
  return {
    history: { past: [...history.past, current], future: history.future.slice(1), lastKey: null, lastAt: 0 },
    snapshot: next,
  };
}
