/** Endpoints of the call monitor: /api/calls (history), /api/calls/{id} (one call), voice tests. */
import { api } from "./client";

export type CallStatus = "ringing" | "connected" | "active" | "on_hold" | "transferred" | "ended";
export type CallDirection = "inbound" | "outbound";

export interface CallSummary {
  id: number;
  direction: CallDirection;
  status: CallStatus;
  end_reason: string;
  end_reason_label: string;
  from_number: string;
  to_number: string;
  number: string | null;
  pipeline_id: number | null;
  pipeline_name: string;
  pipeline_version: number | null;
  is_test: boolean;
  created_at: string;
  connected_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
}

export interface CallPage {
  items: CallSummary[];
  total: number;
  limit: number;
  offset: number;
}

export interface CallLifecycle {
  ringing_at: string | null;
  connected_at: string | null;
  active_at: string | null;
  on_hold_at: string | null;
  transferred_at: string | null;
  ended_at: string | null;
}

export interface CallTraceStep {
  node_id: string;
  node_type?: string;
  ms?: number;
  branch?: string | null;
  output?: unknown;
  error?: string | null;
  tools?: { name: string }[];
}

export interface CallTurn {
  sequence: number;
  user_text: string;
  agent_text: string;
  interrupted: boolean;
  reason: string;
  fallback: boolean;
  latencies: Record<string, number | null | undefined>;
  trace: { nodes?: CallTraceStep[]; ms?: number; [key: string]: unknown };
  started_at: string;
}

export interface CallEventRecord {
  kind: "lifecycle" | "tool" | "action" | "dtmf" | "error";
  name: string;
  data: Record<string, unknown>;
  occurred_at: string;
}

export interface CallCostLine {
  kind: string;
  label: string;
  quantity: string;
  credits: string;
}

export interface CallDetail extends CallSummary {
  room_name: string;
  transfer_target: string;
  lifecycle: CallLifecycle;
  turns: CallTurn[];
  events: CallEventRecord[];
  usage: Record<string, unknown>;
  cost: CallCostLine[];
  total_credits: string;
}

export interface CallQuery {
  number?: string;
  pipeline_id?: number | null;
  status?: CallStatus | "";
  direction?: CallDirection | "";
  date_from?: string;
  date_to?: string;
  is_test?: boolean | null;
  live?: boolean | null;
  limit?: number;
  offset?: number;
}

/** The query string of a history request; empty filters are left out. */
export function callSearch(query: CallQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  return params.toString();
}

export interface VoiceTestSession {
  url: string;
  room: string;
  token: string;
  call_id: number;
}

export const callsApi = {
  list: (query: CallQuery, signal?: AbortSignal) => api.get<CallPage>(`/calls?${callSearch(query)}`, signal),
  get: (id: number, signal?: AbortSignal) => api.get<CallDetail>(`/calls/${id}`, signal),
  startVoiceTest: (pipelineId: number) => api.post<VoiceTestSession>("/calls/voice-test", { pipeline_id: pipelineId, version: "draft" }),
};

/** What /ws/calls/ sends: each call's lifecycle, turns and events as they are committed. */
export type CallFeedMessage =
  | { type: "ready" }
  | { type: "error"; code: string; message: string }
  | ({ type: "call_event"; call_id: number; status: CallStatus } & CallFeedEvent);

export type CallFeedEvent =
  | { kind: "started" }
  | { kind: "status" }
  | { kind: "ended"; reason: string }
  | { kind: "turn"; sequence: number; user_text: string; agent_text: string }
  | { kind: "event"; event_kind: string; name: string; data: Record<string, unknown> };

export function callsSocketUrl(location: Pick<Location, "protocol" | "host"> = window.location): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws/calls/`;
}
