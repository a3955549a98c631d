/** The list table of every administration page: its column headings, the hidden "Actions"
 * heading when rows carry buttons, and the rows. */
import type { ReactNode } from "react";
import { ActionsHeader } from "../controls";

/** A heading; `numeric` right-aligns the column (counts, amounts). `false` leaves it out. */
export type AdminColumn = string | { label: string; numeric?: boolean } | false;

/** `label` names the table for assistive technology where no heading above it does. */
export function AdminTable({ columns, actions = false, label, children }: { columns: readonly AdminColumn[]; actions?: boolean; label?: string; children: ReactNode }) {
  return (
    <table className="pipeline-table admin-table" aria-label={label}>
      <thead>
        <tr>
          {columns.map((column) => {
            if (column === false) return null;
            const { label, numeric = false } = typeof column === "string" ? { label: column } : column;
            return (
              <th key={label} scope="col" className={numeric ? "num" : undefined}>
                {label}
              </th>
            );
          })}
          {actions && <ActionsHeader />}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
