import { beforeEach, describe, expect, it } from "vitest";
import type { CallDetail, CallFeedMessage, CallSummary } from "../api/calls";
import { applyFeedMessage, attachDetail, callsNotLoaded, emptyLiveCalls, liveCallList, seedLiveCalls, useLiveCalls } from "./liveCalls";

function summary(id: number, status: CallSummary["status"] = "active"): CallSummary {
  return {
    id, direction: "inbound", channel: "phone", tester: "", status, end_reason: "", end_reason_label: "", refusal_reason: "", from_number: "+15559999", to_number: "+15550100",
    number: "+15550100", pipeline_id: 1, pipeline_name: "Front desk", pipeline_version: 2, is_test: false,
    created_at: "2026-11-21T07:00:00Z", connected_at: null, ended_at: null, duration_s: null, outcome: null, analysis_status: null,
  };
}

function detail(id: number, turns: [number, string, string][], status: CallSummary["status"] = "active"): CallDetail {
  return {
    ...summary(id, status), room_name: "r", transfer_target: "", transfer_summary: "", answered_by: "", answered_by_evidence: {}, usage: {}, cost: [], total_credits: "0.00", analysis: null, events: [],
    lifecycle: { ringing_at: null, connected_at: null, active_at: null, on_hold_at: null, transferred_at: null, ended_at: null },
    turns: turns.map(([sequence, user_text, agent_text]) => ({ sequence, user_text, agent_text, interrupted: false, reason: "", fallback: false, latencies: {}, trace: {}, started_at: "" })),
  };
}

const event = (call_id: number, rest: Record<string, unknown>): CallFeedMessage => ({ type: "call_event", call_id, status: "active", ...rest }) as CallFeedMessage;

describe("live calls", () => {
  it("adds a started call, waiting for its details", () => {
    const state = applyFeedMessage(emptyLiveCalls, event(4, { kind: "started", status: "ringing" }));
    expect(state.calls[4]).toMatchObject({ id: 4, status: "ringing", summary: null, turns: [] });
    expect(callsNotLoaded(state)).toEqual([4]);
    expect(callsNotLoaded(attachDetail(state, detail(4, [])))).toEqual([]);
  });

  it("loads the transcript so far, keeping turns already heard live", () => {
    let state = seedLiveCalls(emptyLiveCalls, [summary(1)]);
    state = applyFeedMessage(state, event(1, { kind: "turn", sequence: 2, user_text: "b", agent_text: "B live" }));
    state = attachDetail(state, detail(1, [[1, "a", "A"], [2, "b", "B stale"]]));
    expect(state.calls[1]?.turns.map((t) => t.agent_text)).toEqual(["A", "B live"]);
    expect(state.calls[1]?.summary?.pipeline_name).toBe("Front desk");
  });

  it("keeps the transcript in turn order and replaces a rewritten turn", () => {
    let state = seedLiveCalls(emptyLiveCalls, [summary(1)]);
    state = applyFeedMessage(state, event(1, { kind: "turn", sequence: 2, user_text: "b", agent_text: "B" }));
    state = applyFeedMessage(state, event(1, { kind: "turn", sequence: 1, user_text: "a", agent_text: "A" }));
    state = applyFeedMessage(state, event(1, { kind: "turn", sequence: 2, user_text: "b", agent_text: "B, again" }));
    expect(state.calls[1]?.turns.map((t) => t.agent_text)).toEqual(["A", "B, again"]);
  });

  it("follows status changes and notes the latest tool", () => {
    let state = seedLiveCalls(emptyLiveCalls, [summary(1)]);
    state = applyFeedMessage(state, event(1, { kind: "status", status: "on_hold" }));
    state = applyFeedMessage(state, event(1, { kind: "event", event_kind: "tool", name: "hold_call", data: {}, status: "on_hold" }));
    state = applyFeedMessage(state, event(1, { kind: "event", event_kind: "lifecycle", name: "whatever", data: {}, status: "on_hold" }));
    expect(state.calls[1]).toMatchObject({ status: "on_hold", lastAction: "hold_call" });
  });

  it("drops an ended call, and ignores what is not a call event", () => {
    let state = seedLiveCalls(emptyLiveCalls, [summary(1), summary(2)]);
    state = applyFeedMessage(state, event(1, { kind: "ended", status: "ended", reason: "caller_hangup" }));
    expect(Object.keys(state.calls)).toEqual(["2"]);
    expect(applyFeedMessage(state, { type: "ready" })).toBe(state);
    expect(attachDetail(state, detail(2, [], "ended")).calls).toEqual({});
  });

  it("a fresh seed keeps what was heard of calls still in progress", () => {
    let state = seedLiveCalls(emptyLiveCalls, [summary(1)]);
    state = applyFeedMessage(state, event(1, { kind: "turn", sequence: 1, user_text: "hi", agent_text: "Hello" }));
    state = seedLiveCalls(state, [summary(1), summary(3), summary(5, "ended")]);
    expect(liveCallList(state).map((c) => c.id)).toEqual([3, 1]);
    expect(state.calls[1]?.turns).toHaveLength(1);
  });
});

describe("the live calls store", () => {
  beforeEach(() => useLiveCalls.getState().clear());

  it("applies feed messages and seeds", () => {
    const store = useLiveCalls.getState();
    store.seed([summary(9)]);
    store.apply(event(9, { kind: "turn", sequence: 1, user_text: "hi", agent_text: "Hello" }));
    expect(useLiveCalls.getState().calls[9]?.turns[0]?.agent_text).toBe("Hello");
    store.apply(event(9, { kind: "ended", status: "ended", reason: "agent_hangup" }));
    expect(useLiveCalls.getState().calls).toEqual({});
  });
});
