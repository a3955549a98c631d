/** The list of validation problems under the canvas; each entry brings its node into view. */
import { useState } from "react";
import { Link } from "react-router";
import { SET_UP_MODELS_PATH } from "../forms/ModelField";
import { useGraphStore } from "../store/graphStore";
import { countBySeverity, NEEDS_MODEL } from "../store/problems";

export function ProblemsPanel() {
  const problems = useGraphStore((s) => s.problems);
  const nodes = useGraphStore((s) => s.nodes);
  const catalog = useGraphStore((s) => s.catalog);
  const focusNode = useGraphStore.getState().focusNode;
  const [open, setOpen] = useState(true);
  const { errors, warnings } = countBySeverity(problems);
  const nodeName = (id: string | null) => {
    const node = nodes.find((n) => n.id === id);
    return node ? node.data.label || catalog[node.type ?? ""]?.label || node.id : null;
  };
  const edgeNode = (edgeId: string | null) => useGraphStore.getState().edges.find((e) => e.id === edgeId)?.source ?? null;

  return (
    <section className="problems-panel" aria-label="Problems">
      <button type="button" className="problems-toggle" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        <span>Problems</span>
        {problems.length === 0 ? (
          <span className="badge badge-success">No problems</span>
        ) : (
          <>
            {errors > 0 && <span className="badge badge-danger">{errors === 1 ? "1 error" : `${errors} errors`}</span>}
            {warnings > 0 && <span className="badge badge-warning">{warnings === 1 ? "1 warning" : `${warnings} warnings`}</span>}
          </>
        )}
        <span style={{ marginLeft: "auto" }} className="muted">
          {open ? "Hide" : "Show"}
        </span>
      </button>
      {open && problems.length > 0 && (
        <ul className="problems-list">
          {problems.map((p, i) => {
            const target = p.node_id ?? edgeNode(p.edge_id);
            return (
              <li key={`${p.code}-${p.node_id}-${p.edge_id}-${i}`}>
                <button type="button" className="problem-item" onClick={() => target && focusNode(target)}>
                  <span className={`problem-icon ${p.severity}`} aria-hidden="true">
                    {p.severity === "error" ? "!" : "i"}
                  </span>
                  <span>
                    <span className="visually-hidden">{p.severity}: </span>
                    {p.message}
                  </span>
                  {target && <span className="problem-node">{nodeName(target)}</span>}
                </button>
                {p.code === NEEDS_MODEL && (
                  <Link className="problem-fix" to={SET_UP_MODELS_PATH}>
                    Set one up
                  </Link>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
