import { NodeResizer, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import type { FlowNode } from "../store/types";

const NOTE_COLOURS: Record<string, { background: string; border: string; color: string }> = {
  yellow: { background: "#fff8c5", border: "#f5e08a", color: "#574500" },
  blue: { background: "#e0f0ff", border: "#b3d7fb", color: "#0b3f73" },
  green: { background: "#e3f8e8", border: "#b5e5c0", color: "#0f5224" },
  pink: { background: "#fde7f1", border: "#f6bcd6", color: "#7a1443" },
  gray: { background: "#f1f3f5", border: "#d5dae0", color: "#343a40" },
};

/** A sticky note: text on the canvas, no handles, never run. */
function NoteNodeImpl({ data, selected }: NodeProps<FlowNode>) {
  const text = typeof data.config.text === "string" ? data.config.text : "";
  const colour = NOTE_COLOURS[String(data.config.color)] ?? NOTE_COLOURS.yellow;
  return (
    <>
      <NodeResizer isVisible={selected} minWidth={160} minHeight={90} />
      <div className={`note-node${selected ? " selected" : ""}`} style={colour}>{text || <span style={{ opacity: 0.6 }}>Empty note — write in the inspector.</span>}</div>
    </>
  );
}

export const NoteNode = memo(NoteNodeImpl);
