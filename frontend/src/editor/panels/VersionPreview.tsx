/** A past version drawn read-only: what the draft removed (red) and changed (orange) since. */
import { Background, BackgroundVariant, Controls, ReactFlow, ReactFlowProvider, type NodeTypes } from "@xyflow/react";
import { useEffect, useMemo, useState } from "react";
import { errorMessage } from "../../api/client";
import { pipelinesApi } from "../../api/pipelines";
import type { VersionDetail } from "../../api/types";
import { Dialog } from "../../ui/Dialog";
import { useDiffHighlight } from "../canvas/diffHighlight";
import { FlowNodeCard } from "../canvas/FlowNodeCard";
import { NoteNode } from "../canvas/NoteNode";
import { PreviewContext } from "../canvas/previewContext";
import { edgesFromDocument, nodesFromDocument } from "../store/document";
import { useGraphStore } from "../store/graphStore";

export function VersionPreview({ pipelineId, number, onClose }: { pipelineId: number; number: number; onClose: () => void }) {
  const [version, setVersion] = useState<VersionDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const catalog = useGraphStore((s) => s.catalog);
  useEffect(() => {
    pipelinesApi.version(pipelineId, number).then(setVersion, (e: unknown) => setError(errorMessage(e)));
  }, [pipelineId, number]);
  const nodeTypes: NodeTypes = useMemo(
    () => Object.fromEntries(Object.keys(catalog).map((key) => [key, key === "note" ? NoteNode : FlowNodeCard])),
    [catalog],
  );
  const nodes = useMemo(() => (version ? nodesFromDocument(version.graph.nodes) : []), [version]);
  // Opened on what changed: the nodes the draft changed or removed, else the whole version.
  const changed = useDiffHighlight((s) => s.changed);
  const removed = useDiffHighlight((s) => s.removed);
  const focus = useMemo(() => nodes.filter((n) => changed.has(n.id) || removed.has(n.id)).map((n) => ({ id: n.id })), [nodes, changed, removed]);
  const edges = useMemo(() => (version ? edgesFromDocument(version.graph.edges) : []), [version]);
  return (
    <Dialog title={`Version ${number}`} description={version?.note || undefined} onClose={onClose} wide>
      <div className="diff-legend" aria-hidden="true">
        <span className="removed">removed in the draft</span>
        <span className="changed">changed in the draft</span>
      </div>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      <div className="version-preview">
        {version && (
          <PreviewContext value>
            <ReactFlowProvider>
              <ReactFlow
                nodes={nodes}
                edges={edges}
                nodeTypes={nodeTypes}
                nodesDraggable={false}
                nodesConnectable={false}
                elementsSelectable={false}
                fitView
                fitViewOptions={{ maxZoom: 1, padding: 0.15, ...(focus.length > 0 ? { nodes: focus } : {}) }}
                proOptions={{ hideAttribution: true }}
                aria-label={`Version ${number}, read only`}
              >
                <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#cfd4dc" />
                <Controls showInteractive={false} />
              </ReactFlow>
            </ReactFlowProvider>
          </PreviewContext>
        )}
      </div>
    </Dialog>
  );
}
