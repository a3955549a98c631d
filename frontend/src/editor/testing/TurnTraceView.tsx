import { traceSummary } from "../../ui/format";
import { useGraphStore } from "../store/graphStore";
import type { TurnTrace } from "./protocol";

/** The nodes one turn passed through: node, branch or output, time. Names focus their node. */
export function TurnTraceView({ trace }: { trace: TurnTrace }) {
  const nodes = useGraphStore((s) => s.nodes);
  const catalog = useGraphStore((s) => s.catalog);
  const focusNode = useGraphStore.getState().focusNode;
  const nameOf = (id: string, type: string) => nodes.find((n) => n.id === id)?.data.label || catalog[type]?.label || id;
  return (
    <details className="trace">
      <summary>
        {traceSummary(trace.nodes.length, trace.ms)}
      </summary>
      <table>
        <tbody>
          {trace.nodes.map((step, i) => (
            <tr key={`${step.node_id}-${i}`}>
              <td>
                <button type="button" className="trace-link" onClick={() => focusNode(step.node_id)}>
                  {nameOf(step.node_id, step.node_type)}
                </button>
              </td>
              <td style={{ color: step.error ? "var(--danger)" : undefined }}>
                {step.error ?? (step.branch ? `→ ${step.branch}` : step.output.slice(0, 80))}
                {step.tools?.map((t) => (
                  <div key={t.name} className="muted mono">
                    tool {t.name}
                  </div>
                ))}
              </td>
              <td className="ms">{step.ms < 10 ? step.ms.toFixed(1) : Math.round(step.ms)} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
