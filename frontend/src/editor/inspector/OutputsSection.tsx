/** Where each output of the node leads: the same as drawing an edge, operable from the keyboard. */
import { useId, useMemo } from "react";
import { useShallow } from "zustand/react/shallow";
import { showToast } from "../../ui/toasts";
import { outputHandles } from "../catalog/handles";
import type { NodeTypeSpec } from "../catalog/types";
import { useGraphStore } from "../store/graphStore";

/** Node types whose open outputs are errors unless marked as ending the turn (as the server rules). */
const CHOICE_TYPES = new Set(["classifier", "router"]);

/** What an output means where its name alone does not say, by "type:handle". */
const OUTPUT_HINTS: Record<string, string> = {
  "start:voicemail":
    "Outbound calls answered by a voicemail go here instead of the greeting, once its beep has sounded: leave the message with a Say node, then Hang up. Left open, outbound calls are not screened for voicemail.",
};

interface OutputsSectionProps {
  nodeId: string;
  spec: NodeTypeSpec;
  config: Record<string, unknown>;
}

function hint(type: string, handle: string): string | undefined {
  return OUTPUT_HINTS[`${type}:${handle}`];
}

export function OutputsSection({ nodeId, spec, config }: OutputsSectionProps) {
  const outputs = useMemo(() => outputHandles(spec, config), [spec, config]);
  const nodes = useGraphStore((s) => s.nodes);
  const catalog = useGraphStore((s) => s.catalog);
  const options = useMemo(
    () =>
      nodes
        .filter((n) => n.id !== nodeId && (catalog[n.type ?? ""]?.inputs.length ?? 0) > 0)
        .map((n) => ({ id: n.id, label: n.data.label || catalog[n.type ?? ""]?.label || n.id })),
    [nodes, catalog, nodeId],
  );
  const routes = useGraphStore(
    useShallow((s) => Object.fromEntries(s.edges.filter((e) => e.source === nodeId).map((e) => [e.sourceHandle ?? "", e.target]))),
  );
  const endsTurn = useGraphStore(useShallow((s) => s.nodes.find((n) => n.id === nodeId)?.data.ends_turn ?? []));
  const baseId = useId();
  if (outputs.length === 0) return null;
  const isChoice = CHOICE_TYPES.has(spec.type);
  return (
    <div className="inspector-section">
      <div className="inspector-section-title">Leads to</div>
      {outputs.map((output, i) => (
        <div className="field output-route" key={output.id}>
          <label className="field-label" htmlFor={`${baseId}-${i}`}>
            {output.label}
          </label>
          <select
            id={`${baseId}-${i}`}
            className="select"
            value={routes[output.id] ?? ""}
            onChange={(e) => {
              const verdict = useGraphStore.getState().setOutputTarget(nodeId, output.id, e.target.value || null);
              if (!verdict.ok) showToast(verdict.reason, "error");
            }}
          >
            <option value="">— Nothing —</option>
            {options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </select>
          {hint(spec.type, output.id) && <p className="field-help">{hint(spec.type, output.id)}</p>}
          {isChoice && !routes[output.id] && (
            <label className="checkbox output-ends-turn">
              <input
                type="checkbox"
                checked={endsTurn.includes(output.id)}
                onChange={(e) => useGraphStore.getState().setEndsTurn(nodeId, output.id, e.target.checked)}
              />
              The turn ends here on purpose
            </label>
          )}
        </div>
      ))}
    </div>
  );
}
