import { useState } from "react";
import type { StaleDraftDetails } from "../../api/types";
import { Dialog } from "../../ui/Dialog";

interface ConflictDialogProps {
  conflict: StaleDraftDetails;
  onReloadTheirs: () => void;
  onKeepMineAsCopy: () => Promise<void>;
}

/** Someone else saved this draft first. Nothing is overwritten: take theirs, or keep yours as a copy. */
export function ConflictDialog({ conflict, onReloadTheirs, onKeepMineAsCopy }: ConflictDialogProps) {
  const [busy, setBusy] = useState(false);
  const who = conflict.updated_by ? `${conflict.updated_by} saved` : "Someone saved";
  return (
    <Dialog
      title="This draft changed elsewhere"
      description={`${who} a newer draft (revision ${conflict.revision}) while you were editing. Your changes were not saved over it.`}
      onClose={() => undefined}
      dismissable={false}
      footer={
        <>
          <button
            type="button"
            className="btn"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              try {
                await onKeepMineAsCopy();
              } finally {
                setBusy(false);
              }
            }}
          >
            {busy ? "Copying…" : "Keep mine as a copy"}
          </button>
          <button type="button" className="btn btn-primary" onClick={onReloadTheirs} data-autofocus>
            Reload theirs
          </button>
        </>
      }
    >
      <p style={{ margin: 0, color: "var(--text-2)" }}>
        <strong>Reload theirs</strong> replaces your canvas with the saved draft. <strong>Keep mine as a copy</strong> saves your version as a new pipeline and
        opens it, leaving theirs untouched.
      </p>
    </Dialog>
  );
}
