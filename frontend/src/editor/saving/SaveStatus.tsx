import type { SaveState } from "./useAutosave";

const LABELS: Record<SaveState, string> = {
  saved: "Saved",
  unsaved: "Unsaved changes",
  saving: "Saving…",
  offline: "Offline — will retry",
  conflict: "Conflict",
  error: "Not saved",
};

export function SaveStatus({ state, error }: { state: SaveState; error: string | null }) {
  return (
    <span className="save-status" data-state={state} role="status" aria-live="polite" title={error ?? undefined} data-testid="save-status">
      <span className="dot" aria-hidden="true" />
      {LABELS[state]}
    </span>
  );
}
