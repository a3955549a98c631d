/** An edge drawn as a curve; when selected, a small button on it removes it. */
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from "@xyflow/react";
import { Icon } from "../../ui/Icon";
import { useGraphStore } from "../store/graphStore";

export function RemovableEdge({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected, markerEnd, style, label }: EdgeProps) {
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={style} interactionWidth={16} label={label} labelX={labelX} labelY={labelY} />
      {selected && (
        <EdgeLabelRenderer>
          <button
            type="button"
            className="edge-remove nodrag nopan"
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            aria-label="Remove this connection"
            title="Remove this connection"
            onClick={() => useGraphStore.getState().onEdgesChange([{ type: "remove", id }])}
          >
            <Icon name="x" size={12} />
          </button>
        </EdgeLabelRenderer>
      )}
    </>
  );
}
