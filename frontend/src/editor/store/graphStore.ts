/**
 * The one store of the editor's graph. The canvas and the panels only send intents here;
 * every change that alters the graph goes through `commit`, which records undo history
 * and bumps `changeSeq` (what autosave watches).
 */
import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange, type Viewport } from "@xyflow/react";
import { create } from "zustand";
import type { GraphDocument, GraphSettings, Problem } from "../../api/types";
import { INPUT_HANDLE, outputHandles } from "../catalog/handles";
import type { Catalog } from "../catalog/types";
import { copySelection, pasteContent, type ClipboardContent } from "./clipboard";
import { checkConnection, type ConnectionVerdict } from "./connections";
import { DEFAULT_SETTINGS, START_TYPE, documentEdges, documentNodes, edgesFromDocument, nodesFromDocument } from "./document";
import { emptyHistory, record, redo as redoHistory, undo as undoHistory, type History } from "./history";
import { edgeId, newNodeId } from "./ids";
import { layoutNodes } from "./layout";
import { problemEdgeIds, problemsByNode, type NodeProblemSummary } from "./problems";
import type { FlowEdge, FlowNode, GraphSnapshot, NodeConfig, RunStatus } from "./types";

export interface GraphState {
  catalog: Catalog;
  nodes: FlowNode[];
  edges: FlowEdge[];
  settings: GraphSettings;
  viewport: Viewport;
  schemaVersion: number;
  history: History;
  clipboard: ClipboardContent | null;
  /** a counter bumped by every change to the saved document */
  changeSeq: number;
  problems: Problem[];
  /** problems by node id and the ids of edges with problems, derived once per validation */
  problemIndex: Map<string, NodeProblemSummary>;
  problemEdges: Set<string>;
  runStatus: Record<string, RunStatus>;
  /** the output each node took in the test turn, to light up the edges followed */
  runBranches: Record<string, string>;
  /** edges that the last suite run never followed (the Tests tab's coverage marks) */
  uncoveredEdges: Set<string>;
  /** nodes the UI should bring into view (problems panel, diff) */
  focusRequest: { nodeId: string; seq: number } | null;
  /** is a drag gesture under way (recorded once, at its start) */
  dragging: boolean;
  lastRefusal: string | null;

  load: (doc: GraphDocument, catalog?: Catalog) => void;
  toDocument: () => GraphDocument;
  onNodesChange: (changes: NodeChange<FlowNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<FlowEdge>[]) => void;
  connect: (connection: Connection) => ConnectionVerdict;
  canConnect: (connection: Connection) => boolean;
  /** where an output leads, chosen from a list (the keyboard way to connect); null disconnects */
  setOutputTarget: (nodeId: string, handle: string, targetId: string | null) => ConnectionVerdict;
  /** a new node of that type; `from` also connects that output to it, in the same undo step */
  addNode: (type: string, position: { x: number; y: number }, from?: { nodeId: string; handle: string }) => string | null;
  updateConfig: (nodeId: string, config: NodeConfig) => void;
  updateLabel: (nodeId: string, label: string) => void;
  /** marks an open output as ending the turn on purpose (or takes the mark off) */
  setEndsTurn: (nodeId: string, handle: string, ends: boolean) => void;
  updateSettings: (settings: Partial<GraphSettings>) => void;
  deleteSelection: () => void;
  copy: () => void;
  cut: () => void;
  paste: () => void;
  duplicate: () => void;
  selectAll: () => void;
  select: (nodeIds: string[]) => void;
  undo: () => void;
  redo: () => void;
  autoLayout: () => void;
  setViewport: (viewport: Viewport) => void;
  setProblems: (problems: Problem[]) => void;
  focusNode: (nodeId: string) => void;
  setRunStatus: (nodeId: string, status: RunStatus, branch?: string | null) => void;
  clearRunStatus: () => void;
  setUncoveredEdges: (edgeIds: string[] | null) => void;
}

const START_KEPT = "The Start node stays: every call begins there.";

const NODE_FOOTPRINT = { width: 236, height: 130 };

/** The first spot at or below `wanted` that no node covers, so a new node never hides another. */
export function freePosition(wanted: { x: number; y: number }, nodes: FlowNode[]): { x: number; y: number } {
  const covers = (p: { x: number; y: number }) =>
    nodes.some((n) => {
      const width = n.measured?.width ?? n.width ?? NODE_FOOTPRINT.width;
      const height = n.measured?.height ?? n.height ?? NODE_FOOTPRINT.height;
      return p.x < n.position.x + width && p.x + NODE_FOOTPRINT.width > n.position.x && p.y < n.position.y + height && p.y + NODE_FOOTPRINT.height > n.position.y;
    });
  // Flows read left to right: try beside the spot first, then a row lower.
  for (let k = 0; k < 60; k++) {
    const candidate = { x: wanted.x + (k % 4) * (NODE_FOOTPRINT.width + 24), y: wanted.y + Math.floor(k / 4) * (NODE_FOOTPRINT.height + 10) };
    if (!covers(candidate)) return candidate;
  }
  return wanted;
}

const snapshotOf = (s: Pick<GraphState, "nodes" | "edges" | "settings">): GraphSnapshot => ({
  nodes: s.nodes,
  edges: s.edges,
  settings: s.settings,
});

const isGraphChange = (change: NodeChange<FlowNode> | EdgeChange<FlowEdge>) => change.type !== "select" && change.type !== "dimensions";

export const useGraphStore = create<GraphState>()((set, get) => {
  /** Apply a graph change, remembering the state before it for undo. */
  const commit = (next: Partial<GraphSnapshot>, coalesceKey: string | null = null) => {
    const state = get();
    set({
      ...next,
      history: record(state.history, snapshotOf(state), coalesceKey),
      changeSeq: state.changeSeq + 1,
    });
  };

  const limitReached = (type: string) => {
    const { catalog, nodes } = get();
    const limit = catalog[type]?.maxPerGraph ?? null;
    return limit !== null && nodes.filter((n) => n.type === type).length >= limit;
  };

  const restore = (snapshot: GraphSnapshot, history: History) =>
    set((s) => ({ ...snapshot, history, changeSeq: s.changeSeq + 1 }));

  return {
    catalog: {},
    nodes: [],
    edges: [],
    settings: { ...DEFAULT_SETTINGS },
    viewport: { x: 0, y: 0, zoom: 1 },
    schemaVersion: 2,
    history: emptyHistory(),
    clipboard: null,
    changeSeq: 0,
    problems: [],
    problemIndex: new Map(),
    problemEdges: new Set(),
    runStatus: {},
    runBranches: {},
    uncoveredEdges: new Set(),
    focusRequest: null,
    dragging: false,
    lastRefusal: null,

    load: (doc, catalog) =>
      set((s) => ({
        catalog: catalog ?? s.catalog,
        nodes: nodesFromDocument(doc.nodes ?? []),
        edges: edgesFromDocument(doc.edges ?? []),
        settings: { ...DEFAULT_SETTINGS, ...(doc.settings ?? {}) },
        viewport: doc.viewport ?? { x: 0, y: 0, zoom: 1 },
        schemaVersion: doc.schema_version ?? 2,
        history: emptyHistory(),
        changeSeq: 0,
        problems: [],
        problemIndex: new Map(),
        problemEdges: new Set(),
        runStatus: {},
        dragging: false,
      })),

    toDocument: () => {
      const s = get();
      return {
        schema_version: s.schemaVersion,
        nodes: documentNodes(s.nodes),
        edges: documentEdges(s.edges),
        viewport: s.viewport,
        settings: s.settings,
      };
    },

    onNodesChange: (requested) => {
      const state = get();
      const starts = new Set(state.nodes.filter((n) => n.type === START_TYPE).map((n) => n.id));
      const changes = requested.filter((c) => c.type !== "remove" || !starts.has(c.id));
      if (changes.length === 0) return;
      const nodes = applyNodeChanges(changes, state.nodes);
      const moving = changes.some((c) => c.type === "position" && c.dragging);
      const dropped = changes.some((c) => c.type === "position" && c.dragging === false);
      if (!changes.some(isGraphChange)) {
        set({ nodes });
        return;
      }
      if (moving && state.dragging) {
        set({ nodes });
        return;
      }
      const removed = new Set(changes.flatMap((c) => (c.type === "remove" ? [c.id] : [])));
      const edges = removed.size ? state.edges.filter((e) => !removed.has(e.source) && !removed.has(e.target)) : state.edges;
      if (dropped && state.dragging) {
        // The drag was recorded when it began; its end only counts as a change.
        set((s) => ({ nodes, edges, dragging: false, changeSeq: s.changeSeq + 1 }));
        return;
      }
      commit({ nodes, edges });
      if (moving) set({ dragging: true });
    },

    onEdgesChange: (changes) => {
      const edges = applyEdgeChanges(changes, get().edges);
      if (changes.some(isGraphChange)) commit({ edges });
      else set({ edges });
    },

    canConnect: (connection) => {
      const { nodes, edges, catalog } = get();
      return checkConnection(connection, nodes, edges, catalog).ok;
    },

    connect: (connection) => {
      const { nodes, edges, catalog } = get();
      const verdict = checkConnection(connection, nodes, edges, catalog);
      if (!verdict.ok) {
        set({ lastRefusal: verdict.reason });
        return verdict;
      }
      const edge: FlowEdge = {
        id: edgeId(connection.source, connection.sourceHandle, connection.target, connection.targetHandle),
        source: connection.source,
        sourceHandle: connection.sourceHandle,
        target: connection.target,
        targetHandle: connection.targetHandle,
      };
      commit({ edges: [...edges, edge] });
      set({ lastRefusal: null });
      return verdict;
    },

    setOutputTarget: (nodeId, handle, targetId) => {
      const { nodes, edges, catalog } = get();
      const others = edges.filter((e) => !(e.source === nodeId && e.sourceHandle === handle));
      if (targetId === null) {
        if (others.length !== edges.length) commit({ edges: others });
        return { ok: true };
      }
      const connection = { source: nodeId, sourceHandle: handle, target: targetId, targetHandle: INPUT_HANDLE };
      const verdict = checkConnection(connection, nodes, others, catalog);
      if (!verdict.ok) {
        set({ lastRefusal: verdict.reason });
        return verdict;
      }
      commit({ edges: [...others, { id: edgeId(nodeId, handle, targetId, INPUT_HANDLE), ...connection }] });
      return verdict;
    },

    addNode: (type, position, from) => {
      const { catalog, nodes, edges } = get();
      const spec = catalog[type];
      if (!spec) return null;
      if (limitReached(type)) {
        set({ lastRefusal: `A pipeline has only one ${spec.label} node.` });
        return null;
      }
      const id = newNodeId(type, new Set(nodes.map((n) => n.id)));
      const node: FlowNode = {
        id,
        type,
        position: freePosition(position, nodes),
        data: { config: structuredClone(spec.defaults) },
        selected: true,
        ...(type === START_TYPE ? { deletable: false } : {}),
      };
      const nextNodes = [...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node];
      const link = from ? { source: from.nodeId, sourceHandle: from.handle, target: id, targetHandle: INPUT_HANDLE } : null;
      const linked = link && checkConnection(link, nextNodes, edges, catalog).ok;
      commit({
        nodes: nextNodes,
        edges: link && linked ? [...edges, { id: edgeId(link.source, link.sourceHandle, id, INPUT_HANDLE), ...link }] : edges,
      });
      return id;
    },

    updateConfig: (nodeId, config) => {
      const { nodes, edges, catalog } = get();
      const nextNodes = nodes.map((n) => (n.id === nodeId ? { ...n, data: { ...n.data, config } } : n));
      // A renamed or removed intent takes its edges with it: an edge from a handle that is gone is dangling.
      const node = nextNodes.find((n) => n.id === nodeId);
      const spec = catalog[node?.type ?? ""];
      let nextEdges = edges;
      if (node && spec && spec.dynamicOutputs.length > 0) {
        nextEdges = edges.filter((e) => e.source !== nodeId || checkConnection(e as Connection, nextNodes, [], catalog).ok);
      }
      commit({ nodes: nextNodes, edges: nextEdges }, `config:${nodeId}`);
      // What the designer just changed is no longer known to be wrong: its problems go until
      // the next validation says otherwise, so a value made valid never shows a stale error.
      const previous = nodes.find((n) => n.id === nodeId)?.data.config ?? {};
      const changed = new Set(Object.keys({ ...previous, ...config }).filter((k) => previous[k] !== config[k]));
      const problems = get().problems;
      const current = problems.filter((p) => p.node_id !== nodeId || !p.field || !changed.has(p.field.split(".")[0] ?? p.field));
      if (current.length !== problems.length) get().setProblems(current);
    },

    setEndsTurn: (nodeId, handle, ends) => {
      const nodes = get().nodes.map((n) => {
        if (n.id !== nodeId) return n;
        const marked = new Set(n.data.ends_turn ?? []);
        if (ends) marked.add(handle);
        else marked.delete(handle);
        const { ends_turn: _previous, ...data } = n.data;
        return { ...n, data: marked.size > 0 ? { ...data, ends_turn: [...marked] } : data };
      });
      commit({ nodes });
      const problems = get().problems;
      if (ends) get().setProblems(problems.filter((p) => !(p.node_id === nodeId && p.handle === handle && p.code === "unconnected_output")));
    },

    updateLabel: (nodeId, label) => {
      const nodes = get().nodes.map((n) => {
        if (n.id !== nodeId) return n;
        const data = { ...n.data };
        if (label.trim() === "") delete data.label;
        else data.label = label;
        return { ...n, data };
      });
      commit({ nodes }, `label:${nodeId}`);
    },

    updateSettings: (partial) => commit({ settings: { ...get().settings, ...partial } }, "settings"),

    deleteSelection: () => {
      const { nodes, edges } = get();
      const removed = new Set(nodes.filter((n) => n.selected && n.type !== START_TYPE).map((n) => n.id));
      if (nodes.some((n) => n.selected && n.type === START_TYPE)) set({ lastRefusal: START_KEPT });
      const nextEdges = edges.filter((e) => !e.selected && !removed.has(e.source) && !removed.has(e.target));
      if (removed.size === 0 && nextEdges.length === edges.length) return;
      commit({ nodes: nodes.filter((n) => !removed.has(n.id)), edges: nextEdges });
    },

    copy: () => {
      const { nodes, edges } = get();
      const content = copySelection(nodes, edges);
      if (content) set({ clipboard: content });
    },

    cut: () => {
      get().copy();
      get().deleteSelection();
    },

    paste: () => {
      const { clipboard, nodes, edges, catalog } = get();
      if (!clipboard) return;
      const added = pasteContent(clipboard, nodes, catalog);
      if (added.nodes.length === 0) return;
      commit({
        nodes: [...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added.nodes],
        edges: [...edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...added.edges],
      });
      // The next paste lands a step further, like most editors do.
      set({ clipboard: { nodes: added.nodes, edges: added.edges } });
    },

    duplicate: () => {
      const { nodes, edges, catalog } = get();
      const content = copySelection(nodes, edges);
      if (!content) return;
      const added = pasteContent(content, nodes, catalog);
      if (added.nodes.length === 0) return;
      commit({
        nodes: [...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added.nodes],
        edges: [...edges, ...added.edges],
      });
    },

    selectAll: () => set((s) => ({ nodes: s.nodes.map((n) => ({ ...n, selected: true })) })),

    select: (nodeIds) => {
      const wanted = new Set(nodeIds);
      set((s) => ({
        nodes: s.nodes.map((n) => (Boolean(n.selected) === wanted.has(n.id) ? n : { ...n, selected: wanted.has(n.id) })),
        edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      }));
    },

    undo: () => {
      const state = get();
      const result = undoHistory(state.history, snapshotOf(state));
      if (result) restore(result.snapshot, result.history);
    },

    redo: () => {
      const state = get();
      const result = redoHistory(state.history, snapshotOf(state));
      if (result) restore(result.snapshot, result.history);
    },

    autoLayout: () => {
      const { nodes, edges, catalog } = get();
      const outputOrder = (node: FlowNode) => outputHandles(catalog[node.type ?? ""], node.data.config).map((h) => h.id);
      commit({ nodes: layoutNodes(nodes, edges, outputOrder) });
    },

    setViewport: (viewport) => set({ viewport }),

    setProblems: (problems) => set({ problems, problemIndex: problemsByNode(problems), problemEdges: problemEdgeIds(problems) }),

    focusNode: (nodeId) => {
      get().select([nodeId]);
      set((s) => ({ focusRequest: { nodeId, seq: (s.focusRequest?.seq ?? 0) + 1 } }));
    },

    setRunStatus: (nodeId, status, branch) =>
      set((s) => ({
        runStatus: { ...s.runStatus, [nodeId]: status },
        runBranches: branch ? { ...s.runBranches, [nodeId]: branch } : s.runBranches,
      })),

    clearRunStatus: () => set({ runStatus: {}, runBranches: {} }),
    setUncoveredEdges: (edgeIds) => set({ uncoveredEdges: new Set(edgeIds ?? []) }),
  };
});

/** The undo and redo buttons' state. */
export const selectCanUndo = (s: GraphState) => s.history.past.length > 0;
export const selectCanRedo = (s: GraphState) => s.history.future.length > 0;
