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
    let t = run([{ type: "action", action: "collect_digits", params: {}, node_id: "d" }]);
    expect(t.awaitingDigits).toBe(true);
    t = userSays(t, "⌗ 12#");
    expect(t.awaitingDigits).toBe(false);
    t = run([{ type: "action", action: "hangup", params: {} }], t);
    expect(t.ended).toBe(true);
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
