/** Which row a page's dialog edits ("new" for a new one), which row awaits a deletion's
 * confirmation, and what follows a save. */
import { useState } from "react";
import { showToast } from "../../ui/toasts";

export function useEditor<T>(reload: () => void) {
  const [editing, setEditing] = useState<T | "new" | null>(null);
  const [deleting, setDeleting] = useState<T | null>(null);
  return {
    editing,
    /** The row the dialog edits, `null` for a new one. */
    edited: editing === "new" ? null : editing,
    startNew: () => setEditing("new"),
    edit: (row: T) => setEditing(row),
    close: () => setEditing(null),
    /** The dialog's onSaved: close it, say so, read the list again. */
    savedWith: (message: string) => () => {
      setEditing(null);
      showToast(message);
      reload();
    },
    deleting,
    askDelete: (row: T) => setDeleting(row),
    closeDelete: () => setDeleting(null),
  };
}
