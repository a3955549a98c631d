/**
 * Calls in progress, as the call monitor's feed reports them: one entry per call, with its
 * status and its transcript so far. Pure reducers (tested) wrapped by one zustand store.
 */
import { create } from "zustand";
import type { CallDetail, CallFeedMessage, CallStatus, CallSummary } from "../api/calls";

export interface LiveTurn {
  sequence: number;
  user_text: string;
  agent_text: string;
}

export interface LiveCall {
  id: number;
  status: CallStatus;
  /** from the API; null until it has been loaded */
  summary: CallSummary | null;
  /** whether the call's details and transcript so far have come from the API */
  loaded: boolean;
  turns: LiveTurn[];
  /** the latest tool or voice action, e.g. "transfer_call" */
  lastAction: string | null;
}

export interface LiveCallsState {
  calls: Record<number, LiveCall>;
}

export const emptyLiveCalls: LiveCallsState = { calls: {} };

function newLiveCall(id: number, status: CallStatus, summary: CallSummary | null = null): LiveCall {
  return { id, status, summary, loaded: false, turns: [], lastAction: null };
}

function withCall(state: LiveCallsState, call: LiveCall): LiveCallsState {
  return { calls: { ...state.calls, [call.id]: call } };
}

function withoutCall(state: LiveCallsState, id: number): LiveCallsState {
  if (!(id in state.calls)) return state;
  const calls = { ...state.calls };
  delete calls[id];
  return { calls };
}

/** The calls in progress according to the API: they replace the list, keeping transcripts heard so far;
 * each call's details are to be loaded again (a reconnect may have missed turns). */
export function seedLiveCalls(state: LiveCallsState, summaries: CallSummary[]): LiveCallsState {
  const calls: Record<number, LiveCall> = {};
  for (const summary of summaries) {
    if (summary.status === "ended") continue;
    const known = state.calls[summary.id];
    calls[summary.id] = known ? { ...known, summary, status: summary.status, loaded: false } : newLiveCall(summary.id, summary.status, summary);
  }
  return { calls };
}

function upsertTurn(turns: LiveTurn[], turn: LiveTurn): LiveTurn[] {
  const others = turns.filter((t) => t.sequence !== turn.sequence);
  return [...others, turn].sort((a, b) => a.sequence - b.sequence);
}

/** A call's details arrived: attach them and the transcript so far (turns heard live since win),
 * unless the call has ended meanwhile. */
export function attachDetail(state: LiveCallsState, detail: CallDetail): LiveCallsState {
  const known = state.calls[detail.id];
  if (!known) return state;
  if (detail.status === "ended") return withoutCall(state, detail.id);
  const heard = new Set(known.turns.map((t) => t.sequence));
  let turns = known.turns;
  for (const { sequence, user_text, agent_text } of detail.turns) {
    if (!heard.has(sequence)) turns = upsertTurn(turns, { sequence, user_text, agent_text });
  }
  return withCall(state, { ...known, summary: detail, loaded: true, turns });
}

/** One message of /ws/calls/. An ended call leaves the live list. */
export function applyFeedMessage(state: LiveCallsState, message: CallFeedMessage): LiveCallsState {
  if (message.type !== "call_event") return state;
  if (message.kind === "ended" || message.status === "ended") return withoutCall(state, message.call_id);
  const call = state.calls[message.call_id] ?? newLiveCall(message.call_id, message.status);
  const updated: LiveCall = { ...call, status: message.status };
  if (message.kind === "turn") {
    updated.turns = upsertTurn(call.turns, { sequence: message.sequence, user_text: message.user_text, agent_text: message.agent_text });
  } else if (message.kind === "event" && (message.event_kind === "tool" || message.event_kind === "action")) {
    updated.lastAction = message.name;
  }
  return withCall(state, updated);
}

/** Newest first. */
export function liveCallList(state: LiveCallsState): LiveCall[] {
  return Object.values(state.calls).sort((a, b) => b.id - a.id);
}

/** Ids of calls whose details have not been loaded yet. */
export function callsNotLoaded(state: LiveCallsState): number[] {
  return Object.values(state.calls)
    .filter((c) => !c.loaded)
    .map((c) => c.id);
}

interface LiveCallsStore extends LiveCallsState {
  seed: (summaries: CallSummary[]) => void;
  attach: (detail: CallDetail) => void;
  apply: (message: CallFeedMessage) => void;
  clear: () => void;
}

export const useLiveCalls = create<LiveCallsStore>((set) => ({
  ...emptyLiveCalls,
  seed: (summaries) => set((s) => seedLiveCalls(s, summaries)),
  attach: (detail) => set((s) => attachDetail(s, detail)),
  apply: (message) => set((s) => applyFeedMessage(s, message)),
  clear: () => set(emptyLiveCalls),
}));
