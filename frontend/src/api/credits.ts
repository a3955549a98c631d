/** Endpoints of /api/credits: balance, top-ups and adjustments, usage. */
import { api } from "./client";
import type * as Api from "./schema.gen";

export type GroupBy = Api.GroupBy;

export type Balance = Api.BalanceOut;

export type LedgerEntry = Api.LedgerEntryOut;

export type UsageRow = Api.UsageRowOut;

export type Usage = Api.UsageOut;

export interface UsageQuery {
  start: string;
  end: string;
  group_by: GroupBy;
  include_test: boolean;
  /** One page of the rows; the CSV export takes them all. */
  offset?: number;
  limit?: number;
}

export function usageSearch(query: UsageQuery): string {
  const search = new URLSearchParams({
    start: query.start,
    end: query.end,
    group_by: query.group_by,
    include_test: String(query.include_test),
  });
  if (query.limit !== undefined) {
    search.set("offset", String(query.offset ?? 0));
    search.set("limit", String(query.limit));
  }
  return search.toString();
}

export const creditsApi = {
  balance: () => api.get<Balance>("/credits/balance"),
  entries: () => api.get<LedgerEntry[]>("/credits/entries"),
  addEntry: (body: { credits: string; kind: "top_up" | "adjustment"; reason: string }) => api.post<LedgerEntry>("/credits/entries", body),
  usage: (query: UsageQuery) => api.get<Usage>(`/credits/usage?${usageSearch(query)}`),
  usageCsvUrl: (query: UsageQuery) => `/api/credits/usage.csv?${usageSearch(query)}`,
};
