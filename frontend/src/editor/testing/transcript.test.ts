import { describe, expect, it } from "vitest";
import type { ServerMessage } from "./protocol";
import { testSocketUrl } from "./protocol";
import { applyServerMessage, emptyTranscript, userSays } from "./transcript";

const trace = { turn: 1, user_message: "bill", digits: null, nodes: [{ node_id: "say", node_type: "say", ms: 0.2, branch: "out", output: "Hi" }], reason: "completed", detail: "", ms: 1 };

function run(messages: ServerMessage[], start = emptyTranscript()) {
  return messages.reduce(applyServerMessage, start);
}

describe("the test transcript", () => {
  it("joins a turn's text chunks into one agent message with its trace", () => {
    const t = run(
      [
        { type: "text", text: "Your invoice is sent.", node_id: "say" },
        { type: "text", text: "Anything else?", node_id: "say" },
        { type: "variables", variables: { plan: "gold" } },
        { type: "turn_end", trace, usage: {}, reason: "completed", fallback: false },
      ],
      userSays(emptyTranscript(), "bill"),
    );
    expect(t.entries.map((e) => [e.kind, e.text])).toEqual([
      ["user", "bill"],
      ["agent", "Your invoice is sent. Anything else?"],
    ]);
    expect(t.entries[1]?.trace?.nodes).toHaveLength(1);
    expect(t.variables).toEqual({ plan: "gold" });
    expect(t.openAgentEntry).toBeNull();
  });

  it("says why a turn ended early and marks fallbacks", () => {
    const t = run([
      { type: "text", text: "Sorry?", node_id: "x" },
      { type: "turn_end", trace: { ...trace, reason: "iteration_limit", detail: "Router visited 4 times" }, usage: {}, reason: "iteration_limit", fallback: true },
    ]);
    expect(t.entries[0]?.fallback).toBe(true);
    expect(t.entries[1]?.text).toContain("iteration limit");
  });

  it("asks for keys on collect_digits and ends on hangup", () => {
    let t = run([{ type: "action", action: "collect_digits", params: { max_digits: 4, terminator: "#", timeout_s: 10 }, node_id: "d" }]);
    expect(t.awaitingDigits).toBe(true);
    t = userSays(t, "⌗ 12#");
    expect(t.awaitingDigits).toBe(false);
    t = run([{ type: "action", action: "hangup", params: { reason: "pipeline" }, node_id: "h" }], t);
    expect(t.ended).toBe(true);
  });

  it("describes each action from its params, by name", () => {
    const t = run([
      { type: "action", action: "transfer", params: { destination: "+15550111", mode: "warm" }, node_id: "t" },
      { type: "action", action: "transfer", params: { destination: "", mode: "cold" }, node_id: "a" },
      { type: "action", action: "hold", params: { seconds: 30, music: true, reason: "" }, node_id: "h" },
      { type: "action", action: "collect_digits", params: { max_digits: 4, terminator: "", timeout_s: 10 }, node_id: "d" },
      { type: "action", action: "collect_digits", params: { max_digits: 6, terminator: "*", timeout_s: 10 }, node_id: "d" },
      { type: "action", action: "barge_in", params: { enabled: false }, node_id: "a" },
    ]);
    expect(t.entries.map((e) => e.text)).toEqual([
      "Transfer to +15550111 (warm).",
      "Transfer to the number's transfer target.",
      "The caller is on hold (30 s, with music).",
      // An empty finish key stays empty: no key is named.
      "Waiting for up to 4 keys — type them below.",
      "Waiting for up to 6 keys, ending with * — type them below.",
      "The caller cannot interrupt now.",
    ]);
  });

  it("keeps the problems of a graph that cannot run", () => {
    const t = run([{ type: "error", code: "graph_invalid", message: "Fix the problems", details: [{ code: "missing_start" }] }]);
    expect(t.entries[0]).toMatchObject({ kind: "error", text: "Fix the problems" });
    expect(t.problems).toHaveLength(1);
  });

  it("builds the socket URL from the page's origin", () => {
    expect(testSocketUrl(4, "draft", { protocol: "https:", host: "b.example" })).toBe("wss://b.example/ws/pipelines/4/test/?version=draft");
    expect(testSocketUrl(4, 2, { protocol: "http:", host: "localhost:8000" })).toBe("ws://localhost:8000/ws/pipelines/4/test/?version=2");
  });
});
