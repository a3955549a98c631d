import type { CampaignStatus } from "./campaignsApi";
import { STATUS_LABELS } from "./progress";

const TONE: Record<CampaignStatus, string> = {
  draft: "",
  running: "badge-success",
  paused: "badge-warning",
  cancelled: "badge-danger",
  done: "",
};

export function StatusBadge({ status }: { status: CampaignStatus }) {
  return <span className={`badge badge-dot ${TONE[status]}`}>{STATUS_LABELS[status]}</span>;
}
