/** Endpoints of /api/credits: balance, top-ups and adjustments, usage. */
import { api } from "./client";

export type GroupBy = "day" | "pipeline" | "number" | "model" | "call";

export interface Balance {
  balance: string;
  low_balance_threshold: string;
  low: boolean;
  open_alert: string | null;
}

export interface LedgerEntry {
  id: number;
  kind: string;
  credits: string;
  reason: string;
  occurred_at: string;
  created_by: string | null;
}

export interface UsageRow {
  key: string;
  label: string;
  calls: number;
  call_minutes: string;
  call_credits: string;
  asr_credits: string;
  tts_credits: string;
  llm_credits: string;
  total_credits: string;
}

export interface Usage {
  start: string;
  end: string;
  group_by: GroupBy;
  rows: UsageRow[];
  totals: UsageRow;
}

export interface UsageQuery {
  start: string;
  end: string;
  group_by: GroupBy;
  include_test: boolean;
}

export function usageSearch(query: UsageQuery): string {
  return new URLSearchParams({
    start: query.start,
    end: query.end,
    group_by: query.group_by,
    include_test: String(query.include_test),
  }).toString();
}

export const creditsApi = {
  balance: () => api.get<Balance>("/credits/balance"),
  entries: () => api.get<LedgerEntry[]>("/credits/entries"),
  addEntry: (body: { credits: string; kind: "top_up" | "adjustment"; reason: string }) => api.post<LedgerEntry>("/credits/entries", body),
  usage: (query: UsageQuery) => api.get<Usage>(`/credits/usage?${usageSearch(query)}`),
  usageCsvUrl: (query: UsageQuery) => `/api/credits/usage.csv?${usageSearch(query)}`,
};
