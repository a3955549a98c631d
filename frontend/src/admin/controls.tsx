/** The small controls every administration page repeats: row actions, the actions column,
 * the confirmation before a deletion, a form's Cancel / submit footer. */
import type { ReactNode } from "react";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { Icon } from "../ui/Icon";

export function ActionsHeader() {
  return (
    <th scope="col">
      <span className="visually-hidden">Actions</span>
    </th>
  );
}

export function RowActions({ children }: { children: ReactNode }) {
  return (
    <td className="row-actions-cell">
      <div className="admin-actions">{children}</div>
    </td>
  );
}

export function EditButton({ name, onClick }: { name: string; onClick: () => void }) {
  return (
    <button type="button" className="btn btn-sm" onClick={onClick} aria-label={`Edit ${name}`}>
      <Icon name="edit" /> Edit
    </button>
  );
}

/** `verb` names the action ("Delete", "Remove", "Revoke"); with `label` the button shows it. */
export function DeleteButton({ name, onClick, verb = "Delete", label = false, disabled }: { name: string; onClick: () => void; verb?: string; label?: boolean; disabled?: boolean }) {
  return (
    <button type="button" className="btn btn-sm btn-ghost" onClick={onClick} disabled={disabled} aria-label={`${verb} ${name}`}>
      <Icon name="trash" />
      {label && ` ${verb}`}
    </button>
  );
}

interface DeleteConfirmProps {
  title: string;
  message: string;
  confirmLabel: string;
  remove: () => Promise<unknown>;
  onDone: () => void;
  onClose: () => void;
}

/** Asks before a deletion; on yes, deletes and reads the list again (a refusal is shown). */
export function DeleteConfirm({ title, message, confirmLabel, remove, onDone, onClose }: DeleteConfirmProps) {
  return (
    <ConfirmDialog
      title={title}
      message={message}
      confirmLabel={confirmLabel}
      danger
      onConfirm={async () => {
        await remove();
        onDone();
      }}
      onClose={onClose}
    />
  );
}

export function FormFooter({ onCancel, busy, label, busyLabel = "Saving…", disabled }: { onCancel: () => void; busy: boolean; label: string; busyLabel?: string; disabled?: boolean }) {
  return (
    <div className="dialog-footer" style={{ padding: "8px 0" }}>
      <button type="button" className="btn" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" className="btn btn-primary" disabled={busy || disabled}>
        {busy ? busyLabel : label}
      </button>
    </div>
  );
}
