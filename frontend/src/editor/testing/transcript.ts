/** The chat transcript as a pure reducer of server messages: easy to test, no socket needed. */
import type { ActionMessage } from "../../api/schema.gen";
import type { Problem } from "../../api/types";
import type { ServerMessage, TurnTrace } from "./protocol";

export type EntryKind = "user" | "agent" | "system" | "error";

export interface TranscriptEntry {
  id: number;
  kind: EntryKind;
  text: string;
  trace?: TurnTrace;
  fallback?: boolean;
}

export interface Transcript {
  entries: TranscriptEntry[];
  variables: Record<string, unknown>;
  /** the agent entry that text of the current turn goes into */
  openAgentEntry: number | null;
  awaitingDigits: boolean;
  ended: boolean;
  draftChanged: boolean;
  problems: Problem[];
  nextId: number;
  /** turns finished since the session started, the greeting included (a replay waits on it) */
  turnsDone: number;
}

export const emptyTranscript = (): Transcript => ({
  entries: [],
  variables: {},
  openAgentEntry: null,
  awaitingDigits: false,
  ended: false,
  draftChanged: false,
  problems: [],
  nextId: 1,
  turnsDone: 0,
});

function push(t: Transcript, kind: EntryKind, text: string): Transcript {
  return { ...t, entries: [...t.entries, { id: t.nextId, kind, text }], nextId: t.nextId + 1 };
}

/** What the transcript says for an action, from its params (the generated types). */
function describeAction(message: ActionMessage): string {
  switch (message.action) {
    case "hangup":
      return "The call was hung up.";
    case "transfer":
      return `Transfer to ${message.params.destination || "the number's transfer target"}${message.params.mode === "warm" ? " (warm)" : ""}.`;
    case "hold":
      return `The caller is on hold (${message.params.seconds} s${message.params.music ? ", with music" : ""}).`;
    case "collect_digits":
      return `Waiting for up to ${message.params.max_digits} keys${message.params.terminator ? `, ending with ${message.params.terminator}` : ""} — type them below.`;
    case "barge_in":
      return message.params.enabled ? "The caller can interrupt again." : "The caller cannot interrupt now.";
  }
}

export function userSays(t: Transcript, text: string): Transcript {
  return { ...push(t, "user", text), openAgentEntry: null, awaitingDigits: false };
}

export function applyServerMessage(t: Transcript, message: ServerMessage): Transcript {
  switch (message.type) {
    case "ready":
      return { ...push(emptyTranscript(), "system", "Test started on the draft."), nextId: t.nextId + 1 };
    case "text": {
      if (t.openAgentEntry === null) {
        const next = push(t, "agent", message.text);
        return { ...next, openAgentEntry: next.entries[next.entries.length - 1]?.id ?? null };
      }
      return {
        ...t,
        entries: t.entries.map((e) => (e.id === t.openAgentEntry ? { ...e, text: `${e.text}${e.text && !e.text.endsWith(" ") ? " " : ""}${message.text}` } : e)),
      };
    }
    case "action": {
      const next = push(t, "system", describeAction(message));
      return {
        ...next,
        awaitingDigits: message.action === "collect_digits" || t.awaitingDigits,
        ended: message.action === "hangup" || t.ended,
      };
    }
    case "variables":
      return { ...t, variables: { ...message.variables } };
    case "turn_end": {
      const targetId = t.openAgentEntry ?? t.entries[t.entries.length - 1]?.id;
      const entries = t.entries.map((e) => (e.id === targetId ? { ...e, trace: message.trace, fallback: message.fallback } : e));
      const withNote =
        message.reason !== "completed"
          ? push({ ...t, entries }, "system", `Turn ended: ${message.reason.replace(/_/g, " ")}${message.trace.detail ? ` — ${message.trace.detail}` : ""}.`)
          : { ...t, entries };
      return { ...withNote, openAgentEntry: null, turnsDone: t.turnsDone + 1 };
    }
    case "error": {
      const problems = Array.isArray(message.details) ? (message.details as Problem[]) : t.problems;
      return { ...push(t, "error", message.message), problems, openAgentEntry: null };
    }
    case "draft_updated":
      return { ...t, draftChanged: true };
    default:
      return t;
  }
}
