/** LiveKit sync state of a trunk or number, with the error text when it failed. */
import type { SyncStatus } from "./api";

const LABELS: Record<SyncStatus, { label: string; tone: string }> = {
  synced: { label: "In sync", tone: "badge-success" },
  pending: { label: "Pending", tone: "badge-warning" },
  error: { label: "Sync failed", tone: "badge-danger" },
};

export function SyncBadge({ status, error }: { status: SyncStatus; error: string }) {
  const { label, tone } = LABELS[status];
  return (
    <>
      <span className={`badge badge-dot ${tone}`}>{label}</span>
      {status === "error" && error && <span className="sync-error">{error}</span>}
    </>
  );
}
