/** The React Flow canvas. It renders the store and forwards every gesture to it as an intent. */
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type Edge,
  type IsValidConnection,
  type EdgeTypes,
  type NodeTypes,
  type OnConnectEnd,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { appearanceOf } from "../catalog/appearance";
import { showToast } from "../../ui/toasts";
import { checkConnection } from "../store/connections";
import { useGraphStore } from "../store/graphStore";
import type { Catalog } from "../catalog/types";
import type { FlowEdge, FlowNode } from "../store/types";
import { RemovableEdge } from "./RemovableEdge";
import { FlowNodeCard } from "./FlowNodeCard";
import { NoteNode } from "./NoteNode";
import { QuickAddMenu, type QuickAddRequest } from "./QuickAddMenu";

/** Each node as a screen reader announces it ("Say: Billing answer"); same input, same object. */
const labelled = new WeakMap<FlowNode, FlowNode>();
function withAriaLabel(node: FlowNode, catalog: Catalog): FlowNode {
  let out = labelled.get(node);
  if (!out) {
    const typeLabel = catalog[node.type ?? ""]?.label ?? node.type ?? "Node";
    out = { ...node, ariaLabel: node.data.label ? `${typeLabel}: ${node.data.label}` : typeLabel };
    labelled.set(node, out);
  }
  return out;
}

export const NODE_DRAG_MIME = "application/x-betool-node-type";

const SNAP_GRID: [number, number] = [10, 10];
const EDGE_TYPES: EdgeTypes = { removable: RemovableEdge };

export function Canvas({ readOnly }: { readOnly: boolean }) {
  const nodes = useGraphStore((s) => s.nodes);
  const edges = useGraphStore((s) => s.edges);
  const catalog = useGraphStore((s) => s.catalog);
  const problemEdges = useGraphStore((s) => s.problemEdges);
  const runBranches = useGraphStore((s) => s.runBranches);
  const uncoveredEdges = useGraphStore((s) => s.uncoveredEdges);
  const focusRequest = useGraphStore((s) => s.focusRequest);
  const viewport = useGraphStore.getState().viewport;
  const { onNodesChange, onEdgesChange, connect, canConnect, addNode, setViewport } = useGraphStore.getState();
  const flow = useReactFlow<FlowNode, FlowEdge>();

  const nodeTypes: NodeTypes = useMemo(() => {
    const types: NodeTypes = {};
    for (const key of Object.keys(catalog)) types[key] = key === "note" ? NoteNode : FlowNodeCard;
    return types;
  }, [catalog]);

  const shownNodes = useMemo(() => nodes.map((n) => withAriaLabel(n, catalog)), [nodes, catalog]);
  const shownEdges = useMemo(
    () =>
      edges.map((e) => {
        if (problemEdges.has(e.id)) return { ...e, type: "removable", className: "invalid" };
        if (e.sourceHandle && runBranches[e.source] === e.sourceHandle) return { ...e, type: "removable", className: "ran", animated: true };
        if (uncoveredEdges.has(e.id)) return { ...e, type: "removable", className: "uncovered", label: "untested" };
        return { ...e, type: "removable" };
      }),
    [edges, problemEdges, runBranches, uncoveredEdges],
  );

  // Opening a pipeline shows all of it, once its nodes have been measured.
  const initialized = useNodesInitialized();
  const fitted = useRef(false);
  useEffect(() => {
    if (!initialized || fitted.current) return;
    fitted.current = true;
    void flow.fitView({ maxZoom: 1, padding: 0.15 });
  }, [initialized, flow]);

  useEffect(() => {
    if (!focusRequest) return;
    void flow.fitView({ nodes: [{ id: focusRequest.nodeId }], duration: 300, maxZoom: 1.2, padding: 0.4 });
  }, [focusRequest, flow]);

  const isValidConnection: IsValidConnection<FlowEdge> = useCallback(
    (c: Connection | Edge) =>
      canConnect({ source: c.source, target: c.target, sourceHandle: c.sourceHandle ?? null, targetHandle: c.targetHandle ?? null }),
    [canConnect],
  );

  // A connection dropped on empty canvas offers to create the next node there; one that was
  // refused says why, instead of silently snapping back.
  const [quickAdd, setQuickAdd] = useState<QuickAddRequest | null>(null);
  const onConnectEnd = useCallback<OnConnectEnd>(
    (event, state) => {
      const origin = state.fromHandle;
      if (!readOnly && origin?.type === "source" && !state.toHandle && !state.isValid && "clientX" in event) {
        const taken = useGraphStore.getState().edges.some((e) => e.source === origin.nodeId && e.sourceHandle === origin.id);
        if (taken) {
          showToast("That output already leads somewhere: a turn follows one connection per output.", "error");
          return;
        }
        const target = event.target instanceof Element ? event.target : null;
        const pane = target?.closest(".react-flow")?.getBoundingClientRect();
        if (pane && !target?.closest(".react-flow__node, .react-flow__panel")) {
          setQuickAdd({
            // Kept inside the canvas: the menu is about 250 by 330 pixels.
            at: {
              x: Math.max(8, Math.min(event.clientX - pane.left, pane.width - 258)),
              y: Math.max(8, Math.min(event.clientY - pane.top, pane.height - 338)),
            },
            position: flow.screenToFlowPosition({ x: event.clientX, y: event.clientY - 30 }),
            from: { nodeId: origin.nodeId, handle: origin.id ?? "out" },
          });
        }
        return;
      }
      if (state.isValid !== false || !origin || !state.toHandle) return;
      const [from, to] = origin.type === "source" ? [origin, state.toHandle] : [state.toHandle, origin];
      const { nodes: all, edges: existing, catalog: types } = useGraphStore.getState();
      const verdict = checkConnection({ source: from.nodeId, sourceHandle: from.id ?? null, target: to.nodeId, targetHandle: to.id ?? null }, all, existing, types);
      if (!verdict.ok) showToast(verdict.reason, "error");
    },
    [flow, readOnly],
  );

  const onDrop = useCallback(
    (event: React.DragEvent) => {
      const type = event.dataTransfer.getData(NODE_DRAG_MIME);
      if (!type || readOnly) return;
      event.preventDefault();
      addNode(type, flow.screenToFlowPosition({ x: event.clientX - 120, y: event.clientY - 30 }));
    },
    [addNode, flow, readOnly],
  );

  return (
    <>
      {!readOnly && nodes.filter((n) => n.type !== "note").length <= 1 && (
        <div className="canvas-hint alert alert-info" role="note">
          Drag a node from the left onto the canvas (or press <kbd>/</kbd> to search), then drag from an output dot to an input dot to connect them.
        </div>
      )}
      <ReactFlow<FlowNode, FlowEdge>
        nodes={shownNodes}
        edges={shownEdges}
        nodeTypes={nodeTypes}
        edgeTypes={EDGE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={connect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onDrop={onDrop}
        onDragOver={(e) => {
          if (e.dataTransfer.types.includes(NODE_DRAG_MIME)) {
            e.preventDefault();
            e.dataTransfer.dropEffect = "copy";
          }
        }}
        onMoveEnd={(_, vp) => setViewport(vp)}
        defaultViewport={viewport}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={["Meta", "Control", "Shift"]}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        edgesFocusable
        nodesFocusable
        snapToGrid
        snapGrid={SNAP_GRID}
        minZoom={0.2}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
        aria-label="Pipeline canvas"
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#cfd4dc" />
        <Controls position="bottom-right" showInteractive={false} aria-label="Zoom controls" />
        <MiniMap
          position="bottom-left"
          pannable
          zoomable
          ariaLabel="Minimap"
          nodeColor={(n) => appearanceOf(catalog[n.type ?? ""]).color}
          nodeStrokeWidth={2}
          style={{ width: 160, height: 100 }}
        />
      </ReactFlow>
      {quickAdd && <QuickAddMenu request={quickAdd} onClose={() => setQuickAdd(null)} />}
    </>
  );
}
