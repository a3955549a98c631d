/** How a campaign's state reads: its status, its outcomes, the share of contacts done. */
import type { Campaign, CampaignAction, CampaignStatus } from "./campaignsApi";

export const STATUS_LABELS: Record<CampaignStatus, string> = {
  draft: "Draft",
  running: "Running",
  paused: "Paused",
  cancelled: "Cancelled",
  done: "Done",
};

export const OUTCOME_LABELS: Record<string, string> = {
  person: "Answered by a person",
  voicemail: "Voicemail",
  busy: "Busy",
  no_answer: "No answer",
  failed: "Failed",
  rejected_by_limit: "Rejected by a limit",
  cancelled: "Cancelled",
  do_not_call: "On the do-not-call list",
};

export const REJECTION_LABELS: Record<string, string> = {
  bad_number: "Not a phone number",
  duplicate: "Duplicate",
  do_not_call: "On the do-not-call list",
  missing_variables: "Missing variables",
  bad_time_zone: "Unknown time zone",
  variable_too_long: "Value too long",
};

/** The outcomes a retry policy sets, in the order the form shows them. */
export const RETRYABLE = ["busy", "no_answer", "voicemail", "failed", "rejected_by_limit"] as const;

export function outcomeLabel(outcome: string): string {
  return OUTCOME_LABELS[outcome] ?? outcome;
}

/** The outcome rows of a breakdown, largest first, then by name. */
export function outcomeRows(counts: Record<string, number>): { outcome: string; label: string; count: number }[] {
  return Object.entries(counts)
    .filter(([, count]) => count > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([outcome, count]) => ({ outcome, label: outcomeLabel(outcome), count }));
}

export function donePercent(campaign: Campaign): number {
  const { total, done } = campaign.progress;
  return total === 0 ? 0 : Math.round((100 * done) / total);
}

/** What a member may do with a campaign in its status. */
export function actionsFor(status: CampaignStatus, hasContacts: boolean): CampaignAction[] {
  switch (status) {
    case "draft":
      return hasContacts ? ["start", "cancel"] : ["cancel"];
    case "running":
      return ["pause", "cancel"];
    case "paused":
      return ["resume", "cancel"];
    default:
      return [];
  }
}

/** Live figures change while calls can still be placed or end. */
export function isLive(campaign: Campaign): boolean {
  return campaign.status === "running" || (campaign.status !== "draft" && campaign.progress.dialing + campaign.progress.in_call > 0);
}

/** Calling windows from one daily span on the chosen weekdays. */
export function windowsFrom(days: readonly string[], start: string, end: string): Record<string, string[][]> {
  return Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => [day, days.includes(day) ? [[start, end]] : []]));
}
