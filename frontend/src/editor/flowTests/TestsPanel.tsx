/** The Tests tab: the pipeline's scenarios, green or red after a run, the failing step's expected
 * and observed, a replay in the test panel, coverage of the branches and a draft for each
 * branch that no scenario takes, and the publish gate. */
import { useState } from "react";
import { errorMessage } from "../../api/client";
import { flowTestsApi, type RunMode, type Scenario, type ScenarioResult } from "../../api/flowTests";
import { Icon } from "../../ui/Icon";
import { showToast } from "../../ui/toasts";
import { handleLabel } from "../catalog/handles";
import { useGraphStore } from "../store/graphStore";
import { ScenarioEditor } from "./ScenarioEditor";
import { newScenario, resultsById } from "./suiteModel";
import { useSuite } from "./useSuite";

interface Props {
  pipelineId: number;
  canEdit: boolean;
  /** saves pending edits, so that the suite runs on what is on screen */
  flush: () => Promise<void>;
  onReplay: (scenario: Scenario) => void;
  onClose: () => void;
}

type Editing = { scenario: Scenario; replacing: string | null } | null;

export function TestsPanel({ pipelineId, canEdit, flush, onReplay, onClose }: Props) {
  const { suite, problems, run, busy, error, save, saveScenario, removeScenario, runSuite } = useSuite(pipelineId);
  const [editing, setEditing] = useState<Editing>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [mode, setMode] = useState<RunMode>("text");
  const labels = useGraphStore((s) => s.nodes);
  const labelOf = (id: string) => labels.find((n) => n.id === id)?.data.label || id;
  const results = resultsById(run);

  const draftFor = async (nodeId: string, handle: string) => {
    try {
      await flush();
      const draft = await flowTestsApi.draftForBranch(pipelineId, nodeId, handle);
      if (!draft.reaches) showToast(`The draft does not reach ${handle} on its own yet: ${draft.notes.join("; ") || "edit the caller's words"}.`, "error");
      setEditing({ scenario: draft.scenario, replacing: null });
    } catch (e) {
      showToast(errorMessage(e), "error");
    }
  };

  return (
    <aside className="side-panel side-panel-wide" aria-label="Tests">
      <div className="panel-header">
        <div>
          <h2 style={{ fontSize: 14 }}>Tests</h2>
          <span className="muted" style={{ fontSize: 12 }} role="status" data-testid="suite-summary">
            {run ? `${run.total - run.failed} of ${run.total} passed${run.result.mode === "voice" ? " by voice" : ""}` : "Not run yet"}
          </span>
        </div>
        <div style={{ display: "flex", gap: 4, alignItems: "center" }}>
          <select className="select" style={{ width: "auto" }} aria-label="How the scenarios run" value={mode} disabled={busy !== null} onChange={(e) => setMode(e.target.value as RunMode)}>
            <option value="text">as text</option>
            <option value="voice">by voice</option>
          </select>
          <button type="button" className="btn btn-sm btn-primary" disabled={!suite || suite.scenarios.length === 0 || busy !== null} onClick={() => void runSuite(flush, mode)}>
            <Icon name="play" size={14} /> {busy === "running" ? (mode === "voice" ? "Calling…" : "Running…") : "Run all"}
          </button>
          <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label="Close tests" onClick={onClose}>
            <Icon name="x" />
          </button>
        </div>
      </div>
      <div className="panel-body">
        {busy === "running" && mode === "voice" && (
          <p className="muted" role="status">
            Each scenario is a test call: the voice worker answers, a caller speaks the steps and listens. This takes a while.
          </p>
        )}
        {error && (
          <div className="alert alert-error" role="alert" style={{ marginBottom: 8 }}>
            {error}
          </div>
        )}
        {!suite ? (
          <div className="spinner" aria-label="Loading the tests" />
        ) : editing ? (
          <ScenarioEditor
            key={editing.scenario.id}
            initial={editing.scenario}
            busy={busy !== null}
            onCancel={() => setEditing(null)}
            onSave={(scenario) => void saveScenario(scenario, editing.replacing).then((ok) => ok && setEditing(null))}
          />
        ) : (
          <>
            <label className="checkbox" style={{ marginBottom: 8 }}>
              <input
                type="checkbox"
                checked={suite.require_passing_to_publish}
                disabled={!canEdit || busy !== null}
                onChange={(e) => void save({ ...suite, require_passing_to_publish: e.target.checked })}
              />
              Require these tests to pass before publishing
            </label>
            {problems.map((p, i) => (
              <div key={i} className="alert alert-warning" style={{ marginBottom: 6 }}>
                {p.message}
              </div>
            ))}
            {suite.scenarios.length === 0 && <p className="muted">No scenarios yet. Write one: what the caller says, and what must happen.</p>}
            <ul aria-label="Scenarios" style={{ listStyle: "none", padding: 0, margin: "0 0 8px" }}>
              {suite.scenarios.map((scenario) => (
                <ScenarioItem
                  key={scenario.id}
                  scenario={scenario}
                  result={results.get(scenario.id)}
                  open={open === scenario.id}
                  canEdit={canEdit}
                  labelOf={labelOf}
                  onToggle={() => setOpen(open === scenario.id ? null : scenario.id)}
                  onEdit={() => setEditing({ scenario, replacing: scenario.id })}
                  onRemove={() => void removeScenario(scenario.id)}
                  onReplay={() => onReplay(scenario)}
                />
              ))}
            </ul>
            {canEdit && (
              <button type="button" className="btn btn-sm" onClick={() => setEditing({ scenario: newScenario(suite.scenarios.map((s) => s.id)), replacing: null })}>
                <Icon name="plus" size={13} /> New scenario
              </button>
            )}
            {run && <CoverageSection run={run.result.coverage} labelOf={labelOf} canEdit={canEdit} onDraft={(n, h) => void draftFor(n, h)} />}
          </>
        )}
      </div>
    </aside>
  );
}

function ScenarioItem(props: {
  scenario: Scenario;
  result: ScenarioResult | undefined;
  open: boolean;
  canEdit: boolean;
  labelOf: (id: string) => string;
  onToggle: () => void;
  onEdit: () => void;
  onRemove: () => void;
  onReplay: () => void;
}) {
  const { scenario, result } = props;
  const state = result ? (result.passed ? "passed" : "failed") : "not run";
  const failure = result?.first_failure;
  return (
    <li className="list-item" data-testid="scenario" data-state={state} style={{ marginBottom: 6, paddingBottom: 8 }}>
      <div className="list-item-header" style={{ display: "flex", alignItems: "center", gap: 6 }}>
        <span className={result ? (result.passed ? "badge badge-success" : "badge badge-danger") : "badge"}>{result ? (result.passed ? "Passed" : "Failed") : "Not run"}</span>
        <button type="button" className="trace-link" style={{ flex: 1, textAlign: "left" }} aria-expanded={props.open} onClick={props.onToggle}>
          {scenario.name}
        </button>
        {result && result.runs > 1 && <span className="muted">{Math.round(result.pass_rate * 100)}% of {result.runs} runs</span>}
        <button type="button" className="btn btn-ghost btn-sm" onClick={props.onReplay} title="Replay in the test panel with the nodes lit">
          <Icon name="play" size={13} /> Replay
        </button>
        {props.canEdit && (
          <>
            <button type="button" className="btn btn-ghost btn-sm" onClick={props.onEdit}>
              Edit
            </button>
            <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label={`Delete ${scenario.name}`} onClick={props.onRemove}>
              <Icon name="x" size={13} />
            </button>
          </>
        )}
      </div>
      {result?.error && (
        <div className="alert alert-error" style={{ marginTop: 4 }}>
          {result.error}
        </div>
      )}
      {failure && (
        <div className="alert alert-error" style={{ marginTop: 4 }} data-testid="failure">
          <strong>{failure.step ? `Step ${failure.step}` : "At the end"}:</strong> expected {failure.expected}
          <br />
          observed {failure.observed}
        </div>
      )}
      {props.open && result && (
        <ol style={{ margin: "6px 0 0", paddingLeft: 18, fontSize: 12 }}>
          {result.steps.map((step) => (
            <li key={step.index} style={{ color: step.passed ? undefined : "var(--danger)" }}>
              <em>{step.caller}</em> → {step.said || "(nothing said)"}
              <div className="muted">{step.nodes.map(props.labelOf).join(" → ") || "no node"}</div>
              {step.heard != null && (
                <div className="muted" data-testid="heard">
                  heard “{step.heard || "nothing"}”{step.response_ms != null ? `, ${Math.round(step.response_ms)} ms after the caller stopped` : ""}
                </div>
              )}
              {step.failures.map((f, i) => (
                <div key={i}>
                  expected {f.expected}; observed {f.observed}
                </div>
              ))}
            </li>
          ))}
        </ol>
      )}
    </li>
  );
}

function CoverageSection({ run, labelOf, canEdit, onDraft }: { run: { outputs: number; exercised: number; uncovered: { node_id: string; handle: string }[] }; labelOf: (id: string) => string; canEdit: boolean; onDraft: (nodeId: string, handle: string) => void }) {
  return (
    <section style={{ marginTop: 14 }} aria-label="Coverage">
      <div className="inspector-section-title">
        Coverage: {run.exercised} of {run.outputs} branches taken
      </div>
      {run.uncovered.length === 0 ? (
        <p className="muted">Every branch is taken by a scenario.</p>
      ) : (
        <ul style={{ listStyle: "none", padding: 0, margin: 0 }} data-testid="uncovered">
          {run.uncovered.map((u) => (
            <li key={`${u.node_id}|${u.handle}`} style={{ display: "flex", flexWrap: "wrap", alignItems: "center", gap: 6, padding: "2px 0" }}>
              <span className="badge badge-warning">untested</span>
              <span style={{ flex: 1, whiteSpace: "nowrap" }}>
                {labelOf(u.node_id)} → {handleLabel(u.handle)}
              </span>
              {canEdit && (
                <button type="button" className="btn btn-ghost btn-sm" onClick={() => onDraft(u.node_id, u.handle)}>
                  Create a scenario for this branch
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
