/** Endpoints of the call monitor: /api/calls (history), /api/calls/{id} (one call), voice tests. */
import { api } from "./client";
import type * as Api from "./schema.gen";

/** A call's recording: caller on channel 0, agent on channel 1, from ``started_at``. */
export type CallRecording = Api.RecordingOut;
export type RecordingAccess = Api.RecordingAccessOut;

export type CallStatus = Api.CallStatus;
export type CallDirection = Api.CallDirection;
/** A phone line, or the editor's test panel (by voice or by chat). */
export type CallChannel = Api.CallChannel;
export type AnalysisStatus = Api.AnalysisStatus;

export type CallSummary = Api.CallSummaryOut;
export type CallAnalysis = Api.AnalysisOut;
export type CallPage = Api.CallPageOut;
export type CallLifecycle = Api.LifecycleOut;
export type CallEventRecord = Api.EventOut;
export type CallCostLine = Api.CostLineOut;

/** One node of a turn's trace, as the engine writes it (the API serves the trace as JSON). */
export interface CallTraceStep {
  node_id: string;
  node_type?: string;
  ms?: number;
  branch?: string | null;
  output?: unknown;
  error?: string | null;
  tools?: { name: string }[];
}

export type CallTurn = Omit<Api.TurnOut, "trace"> & {
  trace: { nodes?: CallTraceStep[]; ms?: number; [key: string]: unknown };
};

export type CallDetail = Omit<Api.CallDetailOut, "turns"> & { turns: CallTurn[] };

/** The history's filters: the API's query, where "" (like null) leaves a filter out. */
export type CallQuery = { [K in keyof Api.CallListQuery]?: Api.CallListQuery[K] | "" };

/** The query string of a history request; empty filters are left out. */
export function callSearch(query: CallQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  return params.toString();
}

export type VoiceTestSession = Api.VoiceTestOut;

export const callsApi = {
  list: (query: CallQuery, signal?: AbortSignal) => api.get<CallPage>(`/calls?${callSearch(query)}`, signal),
  get: (id: number, signal?: AbortSignal) => api.get<CallDetail>(`/calls/${id}`, signal),
  rerunAnalysis: (id: number) => api.post<CallAnalysis>(`/calls/${id}/analysis`),
  /** The same filters as the history, as a CSV download (with the analysis' fields). */
  csvUrl: (query: CallQuery) => `/api/calls.csv?${callSearch({ ...query, limit: undefined, offset: undefined })}`,
  recording: (id: number, signal?: AbortSignal) => api.get<CallRecording>(`/calls/${id}/recording`, signal),
  recordingAccesses: (id: number, signal?: AbortSignal) => api.get<RecordingAccess[]>(`/calls/${id}/recording/accesses`, signal),
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
