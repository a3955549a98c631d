/** Calls as people read them: status labels and badges, durations, numbers. */
import type { CallChannel, CallStatus, CallSummary } from "../api/calls";

export const STATUS_LABELS: Record<CallStatus, string> = {
  ringing: "Ringing",
  connected: "Connected",
  active: "Active",
  on_hold: "On hold",
  transferred: "Transferred",
  ended: "Ended",
};

const STATUS_BADGES: Record<CallStatus, string> = {
  ringing: "badge-warning",
  connected: "badge-accent",
  active: "badge-success",
  on_hold: "badge-warning",
  transferred: "badge-accent",
  ended: "",
};

export function statusBadgeClass(status: CallStatus): string {
  return `badge badge-dot ${STATUS_BADGES[status]}`.trim();
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "—";
  const total = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(total / 60);
  const rest = String(total % 60).padStart(2, "0");
  return `${minutes}:${rest}`;
}

const TEST_CHANNELS: Record<Exclude<CallChannel, "phone">, string> = {
  browser_voice: "Voice test",
  browser_chat: "Chat test",
};

/** "+15559999 → +15550100"; a test in the editor says how and by whom ("Chat test by ana"). */
export function callParties(call: Pick<CallSummary, "from_number" | "to_number" | "is_test" | "channel" | "tester">): string {
  if (call.channel !== "phone") return call.tester ? `${TEST_CHANNELS[call.channel]} by ${call.tester}` : TEST_CHANNELS[call.channel];
  if (!call.from_number && !call.to_number) return call.is_test ? "Browser test" : "Unknown numbers";
  return `${call.from_number || "?"} → ${call.to_number || "?"}`;
}

export function pipelineLabel(call: Pick<CallSummary, "pipeline_name" | "pipeline_version" | "is_test">): string {
  if (!call.pipeline_name) return "—";
  if (call.pipeline_version !== null) return `${call.pipeline_name} v${call.pipeline_version}`;
  return call.is_test ? `${call.pipeline_name} (draft)` : call.pipeline_name;
}

/** "Inbound", "Outbound", or the test panel's channel ("Chat test"). */
export function directionLabel(call: Pick<CallSummary, "direction" | "channel">): string {
  if (call.channel !== "phone") return TEST_CHANNELS[call.channel];
  return call.direction === "inbound" ? "Inbound" : "Outbound";
}

const LATENCY_LABELS: Record<string, string> = {
  stt_ms: "Speech recognition",
  engine_first_text_ms: "First text",
  tts_first_audio_ms: "First audio",
  end_to_end_ms: "End to end",
};

export function latencyLabel(key: string): string {
  return LATENCY_LABELS[key] ?? key.replace(/_ms$/, "").replace(/_/g, " ");
}

export function formatMs(value: unknown): string {
  return typeof value === "number" && Number.isFinite(value) ? `${Math.round(value)} ms` : "—";
}

const QUANTITY_UNITS: Record<string, string> = {
  call_seconds: "s",
  asr_seconds: "s",
  tts_characters: "chars",
  llm_input_tokens: "tokens",
  llm_output_tokens: "tokens",
};

/** "95 s", "72 chars": a ledger quantity with its unit. */
export function costQuantity(kind: string, quantity: string): string {
  const n = Number(quantity);
  const amount = Number.isFinite(n) ? n.toLocaleString(undefined, { maximumFractionDigits: 1 }) : quantity;
  const unit = QUANTITY_UNITS[kind];
  return unit ? `${amount} ${unit}` : amount;
}
