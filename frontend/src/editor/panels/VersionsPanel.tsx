/** Published versions; choosing one shows what the draft changed since, on the canvas and in a list. */
import { useEffect, useState } from "react";
import { errorMessage } from "../../api/client";
import { pipelinesApi } from "../../api/pipelines";
import type { GraphDiff, GraphNode, PipelineDetail, Version } from "../../api/types";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { dateTime } from "../../ui/format";
import { Icon } from "../../ui/Icon";
import { useDiffHighlight } from "../canvas/diffHighlight";
import { useGraphStore } from "../store/graphStore";
import { VersionPreview } from "./VersionPreview";

interface VersionsPanelProps {
  pipelineId: number;
  canRestore: boolean;
  refreshKey: number;
  onRestored: (detail: PipelineDetail) => void;
  onClose: () => void;
}

export function VersionsPanel({ pipelineId, canRestore, refreshKey, onRestored, onClose }: VersionsPanelProps) {
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<number | null>(null);
  const [diff, setDiff] = useState<GraphDiff | null>(null);
  const [baseNodes, setBaseNodes] = useState<GraphNode[]>([]);
  const [confirming, setConfirming] = useState(false);
  const [previewing, setPreviewing] = useState(false);
  const setHighlight = useDiffHighlight((s) => s.set);

  useEffect(() => {
    pipelinesApi.versions(pipelineId).then(setVersions, (e: unknown) => setError(errorMessage(e)));
  }, [pipelineId, refreshKey]);

  useEffect(() => {
    if (chosen === null) return;
    let cancelled = false;
    Promise.all([pipelinesApi.diff(pipelineId, chosen, "draft"), pipelinesApi.version(pipelineId, chosen)]).then(
      ([d, version]) => {
        if (cancelled) return;
        setDiff(d);
        setBaseNodes(version.graph.nodes);
        setHighlight({ added: d.nodes.added, changed: d.nodes.changed.map((c) => c.id), removed: d.nodes.removed });
      },
      (e: unknown) => !cancelled && setError(errorMessage(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [chosen, pipelineId, setHighlight]);

  useEffect(() => () => setHighlight(null), [setHighlight]);

  return (
    <aside className="side-panel" aria-label="Version history">
      <div className="panel-header">
        <h2 style={{ fontSize: 14 }}>Version history</h2>
        <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label="Close version history" onClick={onClose}>
          <Icon name="x" />
        </button>
      </div>
      <div className="panel-body">
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
        {versions?.length === 0 && <p className="muted">Nothing published yet. Publish to make version 1.</p>}
        <ul className="version-list">
          {versions?.map((v) => (
            <li key={v.number}>
              <button type="button" className="version-item" aria-pressed={chosen === v.number} onClick={() => setChosen(v.number)}>
                <div style={{ display: "flex", justifyContent: "space-between" }}>
                  <strong>Version {v.number}</strong>
                  <span className="muted" style={{ fontSize: 12 }}>
                    {dateTime(v.created_at)}
                  </span>
                </div>
                <div style={{ fontSize: 13, color: "var(--text-2)" }}>{v.note || <em className="muted">No note</em>}</div>
                {v.author && <div className="muted" style={{ fontSize: 12 }}>by {v.author}</div>}
              </button>
            </li>
          ))}
        </ul>
        {chosen !== null && diff && <DiffSummary version={chosen} diff={diff} baseNodes={baseNodes} />}
        {chosen !== null && (
          <button type="button" className="btn" style={{ width: "100%", marginTop: 8 }} onClick={() => setPreviewing(true)}>
            View version {chosen}
          </button>
        )}
        {chosen !== null && canRestore && (
          <button type="button" className="btn" style={{ width: "100%", marginTop: 8 }} onClick={() => setConfirming(true)}>
            <Icon name="history" /> Restore version {chosen} as the draft
          </button>
        )}
      </div>
      {previewing && chosen !== null && <VersionPreview pipelineId={pipelineId} number={chosen} onClose={() => setPreviewing(false)} />}
      {confirming && chosen !== null && (
        <ConfirmDialog
          title={`Restore version ${chosen}?`}
          message="The draft is replaced by this version. Published versions do not change; you can publish again afterwards."
          confirmLabel="Restore"
          onConfirm={async () => {
            onRestored(await pipelinesApi.restore(pipelineId, chosen));
            setChosen(null);
            setDiff(null);
            setHighlight(null);
          }}
          onClose={() => setConfirming(false)}
        />
      )}
    </aside>
  );
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;

/** A changed value as text, for the side-by-side view. */
function shown(value: unknown): string {
  if (value === undefined || value === null || value === "") return "(empty)";
  return typeof value === "string" ? value : JSON.stringify(value, null, 1);
}

/** Each changed field of a node: the version's value beside the draft's. */
function ChangedValues({ fields, before, after, spec }: { fields: string[]; before?: GraphNode; after?: { label?: string; config: Record<string, unknown> }; spec?: { configSchema: { properties?: Record<string, { title?: string }> } } }) {
  const rows = fields.flatMap((field) => {
    if (field === "label") return [{ field, title: "Name on canvas", old: before?.data.label, now: after?.label }];
    if (!field.startsWith("config.")) return [];
    const key = field.slice("config.".length);
    return [{ field, title: spec?.configSchema.properties?.[key]?.title ?? key, old: before?.data.config[key], now: after?.config[key] }];
  });
  if (rows.length === 0) return null;
  return (
    <div className="diff-values">
      {rows.map((r) => (
        <div key={r.field} className="diff-value-row">
          <div className="diff-value-title">{r.title}</div>
          <div className="diff-side-by-side">
            <div className="diff-old" aria-label={`${r.title} in version`}>
              {shown(r.old)}
            </div>
            <div className="diff-new" aria-label={`${r.title} in the draft`}>
              {shown(r.now)}
            </div>
          </div>
        </div>
      ))}
    </div>
  );
}

function DiffSummary({ version, diff, baseNodes }: { version: number; diff: GraphDiff; baseNodes: GraphNode[] }) {
  const nodes = useGraphStore((s) => s.nodes);
  const catalog = useGraphStore((s) => s.catalog);
  const focusNode = useGraphStore.getState().focusNode;
  const name = (id: string) => {
    const node = nodes.find((n) => n.id === id);
    return node?.data.label || catalog[node?.type ?? ""]?.label || id;
  };
  const total = diff.nodes.added.length + diff.nodes.removed.length + diff.nodes.changed.length + diff.edges.added.length + diff.edges.removed.length;
  return (
    <section aria-label={`Changes since version ${version}`} style={{ marginTop: 8 }}>
      <h3>Draft compared with version {version}</h3>
      {total === 0 && !diff.settings_changed ? (
        <p className="muted">No changes: the draft is the same as version {version}.</p>
      ) : (
        <>
          <div className="diff-summary">
            {diff.nodes.added.length > 0 && <span className="badge badge-success">{plural(diff.nodes.added.length, "node")} added</span>}
            {diff.nodes.changed.length > 0 && <span className="badge badge-warning">{plural(diff.nodes.changed.length, "node")} changed</span>}
            {diff.nodes.removed.length > 0 && <span className="badge badge-danger">{plural(diff.nodes.removed.length, "node")} removed</span>}
            {diff.edges.added.length + diff.edges.removed.length > 0 && (
              <span className="badge">
                {plural(diff.edges.added.length, "connection")} added, {diff.edges.removed.length} removed
              </span>
            )}
          </div>
          <ul className="diff-list">
            {diff.nodes.added.map((id) => (
              <li key={`a-${id}`}>
                <button type="button" className="trace-link" onClick={() => focusNode(id)}>
                  {name(id)}
                </button>{" "}
                added
              </li>
            ))}
            {diff.nodes.changed.map((c) => (
              <li key={`c-${c.id}`}>
                <button type="button" className="trace-link" onClick={() => focusNode(c.id)}>
                  {name(c.id)}
                </button>{" "}
                changed{c.fields.length === 0 && ": position"}
                <ChangedValues fields={c.fields} before={baseNodes.find((n) => n.id === c.id)} after={nodes.find((n) => n.id === c.id)?.data} spec={catalog[nodes.find((n) => n.id === c.id)?.type ?? ""]} />
              </li>
            ))}
            {diff.nodes.removed.map((id) => (
              <li key={`r-${id}`}>
                <span className="mono">{id}</span> removed
              </li>
            ))}
            {diff.settings_changed && <li>Pipeline settings changed</li>}
          </ul>
        </>
      )}
    </section>
  );
}
