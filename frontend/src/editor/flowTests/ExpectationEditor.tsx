/** One expectation as a row of fields: its kind, then what it needs (a node, a text, a value...). */
import { useMemo } from "react";
import { useShallow } from "zustand/react/shallow";
import type { Expectation, ExpectationKind } from "../../api/flowTests";
import { Icon } from "../../ui/Icon";
import { outputHandles } from "../catalog/handles";
import { useGraphStore } from "../store/graphStore";
import { EXPECTATION_LABELS, newExpectation } from "./suiteModel";

function useNodeChoices() {
  const nodes = useGraphStore((s) => s.nodes);
  const catalog = useGraphStore((s) => s.catalog);
  return useMemo(
    () =>
      nodes
        .filter((n) => n.type !== "note" && n.type !== "start")
        .map((n) => ({ id: n.id, label: n.data.label || catalog[n.type ?? ""]?.label || n.id })),
    [nodes, catalog],
  );
}

function useOutputs(nodeId: string) {
  return useGraphStore(
    useShallow((s) => {
      const node = s.nodes.find((n) => n.id === nodeId);
      return node ? outputHandles(s.catalog[node.type ?? ""], node.data.config).map((h) => h.id) : [];
    }),
  );
}

interface Props {
  value: Expectation;
  label: string;
  onChange: (next: Expectation) => void;
  onRemove: () => void;
}

export function ExpectationEditor({ value, label, onChange, onRemove }: Props) {
  const nodes = useNodeChoices();
  return (
    <div className="string-list-row" style={{ flexWrap: "wrap", gap: 4 }} data-testid="expectation">
      <select className="input" aria-label={`${label}: kind`} value={value.kind} onChange={(e) => onChange(newExpectation(e.target.value as ExpectationKind))} style={{ flex: "1 1 150px" }}>
        {Object.entries(EXPECTATION_LABELS).map(([kind, text]) => (
          <option key={kind} value={kind}>
            {text}
          </option>
        ))}
      </select>
      <Fields value={value} label={label} onChange={onChange} nodes={nodes} />
      <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label={`Remove ${label}`} onClick={onRemove}>
        <Icon name="x" size={14} />
      </button>
    </div>
  );
}

function NodeSelect({ value, label, nodes, onChange }: { value: string; label: string; nodes: { id: string; label: string }[]; onChange: (id: string) => void }) {
  return (
    <select className="input" aria-label={label} value={value} onChange={(e) => onChange(e.target.value)} style={{ flex: "1 1 120px" }}>
      <option value="">Choose a node…</option>
      {nodes.map((n) => (
        <option key={n.id} value={n.id}>
          {n.label}
        </option>
      ))}
    </select>
  );
}

function BranchFields({ value, label, nodes, onChange }: { value: Extract<Expectation, { kind: "branch" }>; label: string; nodes: { id: string; label: string }[]; onChange: (e: Expectation) => void }) {
  const outputs = useOutputs(value.node);
  return (
    <>
      <NodeSelect value={value.node} label={`${label}: node`} nodes={nodes} onChange={(node) => onChange({ ...value, node, output: "" })} />
      <select className="input" aria-label={`${label}: output`} value={value.output} onChange={(e) => onChange({ ...value, output: e.target.value })} style={{ flex: "1 1 120px" }}>
        <option value="">Choose an output…</option>
        {outputs.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </>
  );
}

function Fields({ value, label, onChange, nodes }: { value: Expectation; label: string; onChange: (e: Expectation) => void; nodes: { id: string; label: string }[] }) {
  const text = (aria: string, current: string, set: (v: string) => void, placeholder = "") => (
    <input className="input" aria-label={`${label}: ${aria}`} value={current} placeholder={placeholder} onChange={(e) => set(e.target.value)} style={{ flex: "2 1 140px" }} />
  );
  switch (value.kind) {
    case "said":
      return (
        <>
          <select className="input" aria-label={`${label}: match`} value={value.match ?? "contains"} onChange={(e) => onChange({ ...value, match: e.target.value as typeof value.match })} style={{ flex: "0 1 120px" }}>
            <option value="contains">containing</option>
            <option value="not_contains">never</option>
            <option value="regex">matching (regex)</option>
            <option value="mentions">mentioning</option>
          </select>
          {text("text", value.text, (t) => onChange({ ...value, text: t }), "words the agent says")}
        </>
      );
    case "branch":
      return <BranchFields value={value} label={label} nodes={nodes} onChange={onChange} />;
    case "visited":
    case "not_visited":
      return text("node ids", value.nodes.join(", "), (t) => onChange({ ...value, nodes: t.split(",").map((s) => s.trim()).filter(Boolean) }), "node ids, comma separated");
    case "intent":
      return text("intent", value.equals ?? "", (t) => onChange({ ...value, equals: t }), "empty: none");
    case "variable":
      return (
        <>
          {text("variable", value.name, (t) => onChange({ ...value, name: t }), "name")}
          {text("value", value.equals == null ? "" : String(value.equals), (t) => onChange({ ...value, equals: t }), "value (empty: set)")}
        </>
      );
    case "action":
      return (
        <>
          <select className="input" aria-label={`${label}: action`} value={value.action} onChange={(e) => onChange({ ...value, action: e.target.value as typeof value.action })} style={{ flex: "0 1 130px" }}>
            <option value="transfer">transferred</option>
            <option value="hold">put on hold</option>
            <option value="hangup">hung up</option>
            <option value="collect_digits">asked for digits</option>
            <option value="digits_collected">given digits</option>
          </select>
          {value.action === "transfer" && text("destination", value.destination ?? "", (t) => onChange({ ...value, destination: t }), "to (any)")}
          {value.action === "digits_collected" && text("digits", value.digits ?? "", (t) => onChange({ ...value, digits: t }), "digits (any)")}
        </>
      );
    case "latency":
      return (
        <>
          <input className="input" type="number" min={1} aria-label={`${label}: milliseconds`} value={value.max_ms} onChange={(e) => onChange({ ...value, max_ms: Number(e.target.value) })} style={{ flex: "0 1 100px" }} />
          <select className="input" aria-label={`${label}: measured`} value={value.of ?? "engine"} onChange={(e) => onChange({ ...value, of: e.target.value as "engine" | "caller" })} style={{ flex: "0 1 170px" }}>
            <option value="engine">ms of engine time</option>
            <option value="caller">ms until the caller hears it (by voice)</option>
          </select>
        </>
      );
    case "no_fallback":
      return null;
  }
}
