import { beforeEach, describe, expect, it } from "vitest";
import { CATALOG, sampleDocument } from "../../test/fixtures";
import { useGraphStore } from "./graphStore";
import { HISTORY_LIMIT } from "./history";

const store = () => useGraphStore.getState();
const node = (id: string) => store().nodes.find((n) => n.id === id);

beforeEach(() => {
  store().load(sampleDocument(), CATALOG);
});

describe("loading and saving", () => {
  it("round-trips the document without React Flow's own fields", () => {
    store().select(["say"]);
    const doc = store().toDocument();
    expect(doc.nodes.map((n) => n.id)).toEqual(["start", "classify", "say"]);
    expect(doc.nodes[2]).toEqual({ id: "say", type: "say", position: { x: 600, y: 0 }, data: { config: { text: "Billing here." } } });
    expect(doc.edges[1]).toEqual({ id: "e2", source: "classify", sourceHandle: "intent:billing", target: "say", targetHandle: "in" });
    expect(doc.settings.fallback_line).toBe("Sorry?");
  });

  it("counts only graph changes, not selection", () => {
    store().select(["say"]);
    expect(store().changeSeq).toBe(0);
    store().updateConfig("say", { text: "Changed" });
    expect(store().changeSeq).toBe(1);
  });
});

describe("undo and redo", () => {
  it("undoes and redoes an added node", () => {
    const id = store().addNode("say", { x: 10, y: 20 });
    expect(id).not.toBeNull();
    expect(store().nodes).toHaveLength(4);
    store().undo();
    expect(store().nodes).toHaveLength(3);
    store().redo();
    expect(store().nodes.map((n) => n.id)).toContain(id);
  });

  it("folds rapid typing into one node into a single step", () => {
    store().updateConfig("say", { text: "B" });
    store().updateConfig("say", { text: "By" });
    store().updateConfig("say", { text: "Bye" });
    expect(store().history.past).toHaveLength(1);
    store().undo();
    expect(node("say")?.data.config.text).toBe("Billing here.");
  });

  it("clears the redo stack on a new change", () => {
    store().updateConfig("say", { text: "One" });
    store().undo();
    expect(store().history.future).toHaveLength(1);
    store().deleteSelection();
    store().select(["say"]);
    store().deleteSelection();
    expect(store().history.future).toHaveLength(0);
  });

  it("keeps at most HISTORY_LIMIT steps", () => {
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) store().addNode("say", { x: i, y: i });
    expect(store().history.past).toHaveLength(HISTORY_LIMIT);
  });

  it("records a drag once, at its start", () => {
    store().onNodesChange([{ type: "position", id: "say", position: { x: 610, y: 0 }, dragging: true }]);
    store().onNodesChange([{ type: "position", id: "say", position: { x: 650, y: 5 }, dragging: true }]);
    store().onNodesChange([{ type: "position", id: "say", position: { x: 700, y: 10 }, dragging: false }]);
    expect(store().history.past).toHaveLength(1);
    expect(node("say")?.position).toEqual({ x: 700, y: 10 });
    store().undo();
    expect(node("say")?.position).toEqual({ x: 600, y: 0 });
  });
});

describe("copy, paste, duplicate, delete", () => {
  it("pastes copies with fresh ids, offset, keeping edges between copied nodes", () => {
    store().select(["classify", "say"]);
    store().copy();
    store().paste();
    const nodes = store().nodes;
    expect(nodes).toHaveLength(5);
    const pasted = nodes.filter((n) => n.selected);
    expect(pasted).toHaveLength(2);
    expect(pasted.every((n) => !["classify", "say"].includes(n.id))).toBe(true);
    const pastedSay = pasted.find((n) => n.type === "say");
    expect(pastedSay?.position).toEqual({ x: 640, y: 40 });
    const pastedIds = new Set(pasted.map((n) => n.id));
    const internal = store().edges.filter((e) => pastedIds.has(e.source) && pastedIds.has(e.target));
    expect(internal).toHaveLength(1);
    expect(internal[0]?.sourceHandle).toBe("intent:billing");
  });

  it("never pastes a second Start node", () => {
    store().select(["start", "say"]);
    store().duplicate();
    expect(store().nodes.filter((n) => n.type === "start")).toHaveLength(1);
    expect(store().nodes.filter((n) => n.type === "say")).toHaveLength(2);
  });

  it("deletes the selection and the edges that touched it", () => {
    store().select(["classify"]);
    store().deleteSelection();
    expect(node("classify")).toBeUndefined();
    expect(store().edges).toHaveLength(0);
    store().undo();
    expect(store().edges).toHaveLength(2);
  });

  it("drops the edges of an intent that was removed", () => {
    store().updateConfig("classify", { mode: "keywords", intents: [{ name: "support", keywords: [] }] });
    expect(store().edges.map((e) => e.id)).toEqual(["e1"]);
  });
});

describe("connections", () => {
  const connect = (source: string, sourceHandle: string, target: string, targetHandle = "in") =>
    store().connect({ source, sourceHandle, target, targetHandle });

  it("accepts an output to an input", () => {
    expect(connect("classify", "intent:support", "say").ok).toBe(true);
    expect(store().edges).toHaveLength(3);
  });

  it("refuses a handle the node does not have, a Start target, self-loops and a second branch", () => {
    expect(connect("classify", "intent:sales", "say").ok).toBe(false);
    expect(connect("say", "out", "start").ok).toBe(false);
    expect(connect("say", "out", "say").ok).toBe(false);
    expect(connect("classify", "intent:billing", "start").ok).toBe(false);
    const second = connect("classify", "intent:billing", "classify");
    expect(second.ok).toBe(false);
    expect(store().edges).toHaveLength(2);
    expect(store().lastRefusal).toBeTruthy();
  });
});

describe("validation problems", () => {
  it("maps problems onto nodes, edges and fields", () => {
    store().setProblems([
      { code: "invalid_config", message: "Text: required.", node_id: "say", edge_id: null, handle: null, severity: "error", field: "text" },
      { code: "unconnected_output", message: "Fallback leads nowhere.", node_id: "classify", edge_id: null, handle: "fallback", severity: "warning" },
      { code: "unconnected_output", message: "Support leads nowhere.", node_id: "classify", edge_id: null, handle: "intent:support", severity: "warning" },
      { code: "unknown_handle", message: "Bad edge.", node_id: null, edge_id: "e2", handle: null, severity: "error" },
      { code: "missing_start", message: "Graph-level.", node_id: null, edge_id: null, handle: null, severity: "error" },
    ]);
    const { problemIndex, problemEdges } = store();
    expect(problemIndex.get("say")).toMatchObject({ severity: "error", count: 1, fields: ["text"] });
    expect(problemIndex.get("classify")).toMatchObject({ severity: "warning", count: 2 });
    expect(problemIndex.has("start")).toBe(false);
    expect(problemEdges.has("e2")).toBe(true);
  });

  it("clears problems when another graph is loaded", () => {
    store().setProblems([{ code: "x", message: "y", node_id: "say", edge_id: null, handle: null, severity: "error" }]);
    store().load(sampleDocument());
    expect(store().problemIndex.size).toBe(0);
  });
});

describe("auto-layout", () => {
  it("places connected nodes left to right and is undoable", () => {
    store().autoLayout();
    const [start, classify, say] = ["start", "classify", "say"].map((id) => node(id)?.position.x ?? 0);
    expect(start).toBeLessThan(classify ?? 0);
    expect(classify).toBeLessThan(say ?? 0);
    store().undo();
    expect(node("say")?.position).toEqual({ x: 600, y: 0 });
  });
});

describe("placing new nodes", () => {
  it("never drops a node on top of another", () => {
    const id = store().addNode("say", { x: 600, y: 0 });
    const placed = node(id ?? "")?.position;
    expect(placed).toEqual({ x: 860, y: 0 });
  });
});

describe("choosing where an output leads", () => {
  it("connects, replaces and disconnects an output from a list", () => {
    store().addNode("hangup", { x: 900, y: 300 });
    const hangup = store().nodes.find((n) => n.type === "hangup")!.id;
    expect(store().setOutputTarget("classify", "intent:billing", hangup).ok).toBe(true);
    const fromBilling = () => store().edges.filter((e) => e.source === "classify" && e.sourceHandle === "intent:billing");
    expect(fromBilling().map((e) => e.target)).toEqual([hangup]);
    expect(store().setOutputTarget("classify", "intent:billing", null).ok).toBe(true);
    expect(fromBilling()).toHaveLength(0);
    expect(store().setOutputTarget("classify", "intent:billing", "start").ok).toBe(false);
    store().undo();
    expect(fromBilling()).toHaveLength(1);
  });
});

describe("what a designer cannot break", () => {
  it("keeps the Start node through Delete, the canvas's remove and cut", () => {
    store().select(["start", "say"]);
    store().deleteSelection();
    expect(store().nodes.map((n) => n.id)).toEqual(["start", "classify"]);
    store().onNodesChange([{ type: "remove", id: "start" }]);
    store().select(["start"]);
    store().cut();
    expect(node("start")).toBeDefined();
    expect(node("start")?.deletable).toBe(false);
  });

  it("marks an open output as ending the turn, saved with the node, and takes its problem away", () => {
    store().setProblems([
      { code: "unconnected_output", message: "The output 'Fallback' leads nowhere.", node_id: "classify", edge_id: null, handle: "fallback", severity: "error", field: null },
    ]);
    store().setEndsTurn("classify", "fallback", true);
    expect(store().problems).toEqual([]);
    expect(store().toDocument().nodes[1]?.data.ends_turn).toEqual(["fallback"]);
    store().setEndsTurn("classify", "fallback", false);
    expect(store().toDocument().nodes[1]?.data).not.toHaveProperty("ends_turn");
  });

  it("drops the problems of a field as soon as it is edited, keeping the others", () => {
    store().setProblems([
      { code: "invalid_config", message: "Text: this cannot be empty.", node_id: "say", edge_id: null, handle: null, severity: "error", field: "text" },
      { code: "unreachable_node", message: "Say is never reached.", node_id: "say", edge_id: null, handle: null, severity: "warning", field: null },
    ]);
    store().updateConfig("say", { text: "Now valid." });
    expect(store().problems.map((p) => p.code)).toEqual(["unreachable_node"]);
    expect(store().problemIndex.get("say")?.fields).toEqual([]);
  });
});

describe("tidying up", () => {
  it("stacks a classifier's branches in the order of its outputs, so their edges never cross", () => {
    store().load(
      {
        ...sampleDocument(),
        nodes: [
          ...sampleDocument().nodes.filter((n) => n.id !== "say"),
          { id: "a_fallback", type: "say", position: { x: 0, y: 0 }, data: { config: { text: "?" } } },
          { id: "b_support", type: "say", position: { x: 0, y: 0 }, data: { config: { text: "Support." } } },
          { id: "c_billing", type: "say", position: { x: 0, y: 0 }, data: { config: { text: "Billing." } } },
          { id: "c_after", type: "say", position: { x: 0, y: 0 }, data: { config: { text: "And then." } } },
        ],
        edges: [
          { id: "e1", source: "start", sourceHandle: "out", target: "classify", targetHandle: "in" },
          { id: "e2", source: "classify", sourceHandle: "intent:billing", target: "c_billing", targetHandle: "in" },
          { id: "e3", source: "classify", sourceHandle: "intent:support", target: "b_support", targetHandle: "in" },
          { id: "e4", source: "classify", sourceHandle: "fallback", target: "a_fallback", targetHandle: "in" },
          { id: "e5", source: "c_billing", sourceHandle: "out", target: "c_after", targetHandle: "in" },
        ],
      },
      CATALOG,
    );
    store().autoLayout();
    const y = (id: string) => node(id)?.position.y ?? Number.NaN;
    // billing, support, fallback: the classifier's outputs from top to bottom
    expect(y("c_billing")).toBeLessThan(y("b_support"));
    expect(y("b_support")).toBeLessThan(y("a_fallback"));
    // what follows a branch stays beside it
    expect(y("c_after")).toBe(y("c_billing"));
  });
});
