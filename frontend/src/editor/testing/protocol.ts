/** Messages of the test-session websocket (docs/contracts.md). */
import type { ActionMessage } from "../../api/schema.gen";

export interface TraceStep {
  node_id: string;
  node_type: string;
  ms: number;
  branch: string | null;
  output: string;
  error?: string;
  tools?: { name: string; arguments: unknown; result: string }[];
}

export interface TurnTrace {
  turn: number;
  user_message: string;
  digits: string | null;
  nodes: TraceStep[];
  reason: string;
  detail: string;
  ms: number;
}

export type ServerMessage =
  | { type: "ready"; session_id: string; version: string }
  | { type: "text"; text: string; node_id: string; interruptible?: boolean }
  | { type: "node_enter"; node_id: string; node_type: string }
  | { type: "node_exit"; node_id: string; ms: number; output: string; branch: string | null }
  | { type: "tool"; node_id: string; name: string; arguments: unknown; result: string }
  | ActionMessage
  | { type: "variables"; variables: Record<string, unknown> }
  | { type: "turn_end"; trace: TurnTrace; usage: unknown; reason: string; fallback: boolean }
  | { type: "error"; code: string; message: string; details?: unknown }
  | { type: "draft_updated"; revision: number };

export type ClientMessage = { type: "user_message"; text: string } | { type: "digits"; digits: string } | { type: "reset" };

export function testSocketUrl(pipelineId: number, version: "draft" | number, location: Pick<Location, "protocol" | "host"> = window.location): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws/pipelines/${pipelineId}/test/?version=${version}`;
}
