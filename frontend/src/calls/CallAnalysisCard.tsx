/** The post-call analysis of one call: summary, outcome, extracted fields, or why it failed;
 * members who may act on calls run it again. */
import { useState } from "react";
import { callsApi, type CallAnalysis } from "../api/calls";
import { errorMessage } from "../api/client";
import { useCan } from "../app/session";
import { dateTime } from "../ui/format";

function fieldValue(value: string | number | boolean | null): string {
  if (value === null) return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

export function CallAnalysisCard({ callId, analysis, ended, onChanged }: { callId: number; analysis: CallAnalysis | null; ended: boolean; onChanged: () => void }) {
  const canEdit = useCan("pipelines.edit");
  const canPlace = useCan("calls.place");
  const canRerun = canEdit || canPlace;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const rerun = async () => {
    setBusy(true);
    setError(null);
    try {
      await callsApi.rerunAnalysis(callId);
      onChanged();
    } catch (e) {
      setError(errorMessage(e));
    }
    setBusy(false);
  };

  return (
    <section className="card" aria-labelledby="analysis-title" data-testid="call-analysis">
      <div className="calls-section-header">
        <h2 id="analysis-title">Analysis</h2>
        {canRerun && ended && analysis && (
          <button type="button" className="btn btn-sm" disabled={busy || analysis.status === "pending"} onClick={() => void rerun()}>
            {busy ? "Starting…" : "Run again"}
          </button>
        )}
      </div>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      {!analysis ? (
        <p className="muted">This pipeline does not analyse its calls. Turn it on in the pipeline's settings (After the call).</p>
      ) : analysis.status === "pending" ? (
        <p className="muted" role="status">
          Analysing the transcript…
        </p>
      ) : analysis.status === "failed" ? (
        <div className="alert alert-error" role="alert">
          {analysis.error}
        </div>
      ) : (
        <>
          {analysis.outcome && (
            <p>
              Outcome: <span className="badge badge-accent">{analysis.outcome}</span>
            </p>
          )}
          {analysis.summary && <p data-testid="analysis-summary">{analysis.summary}</p>}
          {Object.keys(analysis.fields).length > 0 && (
            <table className="variables-table" aria-label="Extracted fields">
              <tbody>
                {Object.entries(analysis.fields).map(([name, value]) => (
                  <tr key={name}>
                    <td className="mono">{name}</td>
                    <td>{fieldValue(value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      {analysis && analysis.status !== "pending" && (
        <p className="muted" style={{ fontSize: 12, marginTop: 8 }}>
          {analysis.model_name || "no model"} · {analysis.input_tokens + analysis.output_tokens} tokens{analysis.run > 1 ? ` · run ${analysis.run}` : ""}
          {analysis.finished_at ? ` · ${dateTime(analysis.finished_at)}` : ""}
        </p>
      )}
    </section>
  );
}
