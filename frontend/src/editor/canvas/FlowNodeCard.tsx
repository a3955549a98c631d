/** Every node type but the sticky note, drawn from its catalog entry: header, summary, handles. */
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from "@xyflow/react";
import { memo, useEffect, useMemo } from "react";
import { handleLabel, inputHandles, outputHandles } from "../catalog/handles";
import { nodeSummary } from "../catalog/summary";
import { TypeIcon } from "../catalog/TypeIcon";
import { useGraphStore } from "../store/graphStore";
import { NEEDS_MODEL } from "../store/problems";
import type { FlowNode } from "../store/types";
import { useNodeDiffClass } from "./diffHighlight";
import { useIsPreview } from "./previewContext";

function FlowNodeCardImpl({ id, type, data, selected }: NodeProps<FlowNode>) {
  const spec = useGraphStore((s) => s.catalog[type]);
  const preview = useIsPreview();
  const problems = useGraphStore((s) => (preview ? undefined : s.problemIndex.get(id)));
  const run = useGraphStore((s) => (preview ? undefined : s.runStatus[id]));
  const diffClass = useNodeDiffClass(id);
  const outputs = useMemo(() => outputHandles(spec, data.config), [spec, data.config]);
  const inputs = inputHandles(spec);
  const updateInternals = useUpdateNodeInternals();
  const outputKey = outputs.map((o) => o.id).join("|");
  useEffect(() => updateInternals(id), [id, outputKey, updateInternals]);

  const classes = [
    "flow-node",
    selected ? "selected" : "",
    problems?.severity ? `invalid-${problems.severity}` : "",
    run ? `run-${run}` : "",
    diffClass,
  ].join(" ");
  const label = data.label || spec?.label || type;
  const summary = nodeSummary(data.config);
  const problemText = problems?.messages.join("\n");

  return (
    <div className={classes} data-testid={`node-${id}`} data-run={run} data-problems={problems?.count ?? 0}>
      {inputs.map((h) => (
        <Handle key={h.id} id={h.id} type="target" position={Position.Left} className="flow-handle" />
      ))}
      {problems && problems.count > 0 && (
        <span className={`node-problem-badge ${problems.severity ?? ""}`} title={problemText} role="img" aria-label={`${problems.count} problem(s): ${problemText}`}>
          {problems.count}
        </span>
      )}
      {run && (
        <span className="node-run-badge" role="img" aria-label={`Test run: ${run}`}>
          {run === "active" ? "running" : run === "failed" ? "failed" : "ran"}
        </span>
      )}
      <div className="flow-node-header">
        <TypeIcon spec={spec} />
        <div className="flow-node-title">
          <span className="flow-node-label" title={label}>
            {label}
          </span>
          <span className="flow-node-type">{spec?.label ?? `Unknown type “${type}”`}</span>
        </div>
      </div>
      {problems?.codes.includes(NEEDS_MODEL) && <div className="flow-node-needs">Needs a language model</div>}
      {summary && (
        <div className="flow-node-body">
          <div className="flow-node-summary">{summary}</div>
        </div>
      )}
      {outputs.length > 0 && (
        <div className="flow-node-outputs">
          {outputs.map((h) => (
            <div key={h.id} className="flow-node-output">
              {h.label || handleLabel(h.id)}
              <Handle id={h.id} type="source" position={Position.Right} className="flow-handle" />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

export const FlowNodeCard = memo(FlowNodeCardImpl);
