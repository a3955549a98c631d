import { act, renderHook, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CallDetail, CallSummary } from "../api/calls";
import { useLiveCalls } from "./liveCalls";
import { useCallFeed } from "./useCallFeed";

const api = vi.hoisted(() => ({ list: vi.fn(), get: vi.fn() }));
vi.mock("../api/calls", async (importOriginal) => ({ ...(await importOriginal<object>()), callsApi: api }));

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  close = vi.fn();
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  receive(message: object) {
    act(() => this.onmessage?.({ data: JSON.stringify(message) }));
  }
}

function summary(id: number): CallSummary {
  return {
    id, direction: "inbound", channel: "phone", tester: "", status: "active", end_reason: "", end_reason_label: "", refusal_reason: "", from_number: "+1", to_number: "+2",
    number: null, pipeline_id: 1, pipeline_name: "P", pipeline_version: 1, is_test: false, created_at: "", connected_at: null, ended_at: null, duration_s: null, outcome: null, analysis_status: null,
  };
}

function detail(id: number, turns: { sequence: number; user_text: string; agent_text: string }[]): CallDetail {
  return {
    ...summary(id), room_name: "", transfer_target: "", transfer_summary: "", answered_by: "", answered_by_evidence: {}, usage: {}, cost: [], total_credits: "0", analysis: null, events: [],
    lifecycle: { ringing_at: null, connected_at: null, active_at: null, on_hold_at: null, transferred_at: null, ended_at: null },
    turns: turns.map((t) => ({ ...t, interrupted: false, reason: "", fallback: false, latencies: {}, trace: {}, started_at: "" })),
  };
}

describe("useCallFeed", () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.stubGlobal("WebSocket", FakeSocket);
    api.list.mockResolvedValue({ items: [summary(1)], total: 1, limit: 100, offset: 0 });
    api.get.mockImplementation(async (id: number) => detail(id, id === 1 ? [{ sequence: 1, user_text: "hi", agent_text: "Hello" }] : []));
  });
  afterEach(() => vi.unstubAllGlobals());

  it("seeds from the API on ready, loads transcripts, applies events and reports ended calls", async () => {
    const ended = vi.fn();
    const { result, unmount } = renderHook(() => useCallFeed(ended));
    const socket = FakeSocket.all[0]!;
    expect(socket.url).toMatch(/\/ws\/calls\/$/);
    act(() => socket.onopen?.());
    expect(result.current).toEqual({ state: "open" });
    socket.receive({ type: "ready" });
    await waitFor(() => expect(useLiveCalls.getState().calls[1]?.turns).toHaveLength(1));
    expect(api.list).toHaveBeenCalledWith({ live: true, limit: 100 });

    socket.receive({ type: "call_event", call_id: 2, kind: "started", status: "ringing" });
    await waitFor(() => expect(useLiveCalls.getState().calls[2]?.loaded).toBe(true));
    socket.receive({ type: "call_event", call_id: 1, kind: "ended", status: "ended", reason: "caller_hangup" });
    expect(ended).toHaveBeenCalledTimes(1);
    expect(Object.keys(useLiveCalls.getState().calls)).toEqual(["2"]);

    unmount();
    expect(socket.close).toHaveBeenCalled();
    expect(useLiveCalls.getState().calls).toEqual({});
  });

  it("says why when the server refuses the feed, and does not retry", () => {
    vi.useFakeTimers();
    const { result } = renderHook(() => useCallFeed(() => undefined));
    act(() => FakeSocket.all[0]!.onclose?.({ code: 4403 }));
    expect(result.current).toEqual({ state: "closed", message: "Your role may not follow live calls in this workspace." });
    act(() => void vi.advanceTimersByTime(10_000));
    expect(FakeSocket.all).toHaveLength(1);
    vi.useRealTimers();
  });

  it("reconnects after a lost connection", () => {
    vi.useFakeTimers();
    const { result } = renderHook(() => useCallFeed(() => undefined));
    act(() => FakeSocket.all[0]!.onclose?.({ code: 1006 }));
    expect(result.current).toMatchObject({ state: "closed", message: expect.stringMatching(/reconnecting/) });
    act(() => void vi.advanceTimersByTime(3000));
    expect(FakeSocket.all).toHaveLength(2);
    vi.useRealTimers();
  });
});
