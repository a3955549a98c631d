/** The list table of every administration page: its column headings, the hidden "Actions"
 * heading when rows carry buttons, and the rows. */
import type { ReactNode } from "react";
import { ActionsHeader } from "../controls";

/** A heading; `numeric` right-aligns the column (counts, amounts). `false` leaves it out. */
export type AdminColumn = string | { label: string; numeric?: boolean } | false;

export function AdminTable({ columns, actions = false, children }: { columns: readonly AdminColumn[]; actions?: boolean; children: ReactNode }) {
  return (
    <table className="pipeline-table admin-table">
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
