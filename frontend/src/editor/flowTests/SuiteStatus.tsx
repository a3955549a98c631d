/** The suite's last result for the publish dialog, and whether publishing waits for it. */
import { useEffect, useState } from "react";
import { flowTestsApi, type SuiteState } from "../../api/flowTests";

export function SuiteStatus({ pipelineId, refreshKey }: { pipelineId: number; refreshKey: number }) {
  const [state, setState] = useState<SuiteState | null>(null);
  useEffect(() => {
    let live = true;
    flowTestsApi
      .get(pipelineId)
      .then((s) => live && setState(s))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [pipelineId, refreshKey]);
  if (!state || state.suite.scenarios.length === 0) return null;
  const run = state.latest_run;
  const gate = state.suite.require_passing_to_publish;
  const failing = run ? run.result.scenarios.filter((s) => !s.passed).map((s) => s.name) : [];
  return (
    <div className={`alert ${!run ? "alert-info" : run.passed ? "alert-info" : "alert-warning"}`} role="status" data-testid="publish-suite" style={{ marginBottom: 12 }}>
      <strong>Tests:</strong>{" "}
      {run ? `${run.total - run.failed} of ${run.total} passed on the last run${failing.length ? ` (failing: ${failing.slice(0, 3).join(", ")})` : ""}.` : `${state.suite.scenarios.length} scenarios, not run yet.`}{" "}
      {gate ? "Publishing runs them first and is refused if one fails." : "They do not hold up publishing."}
    </div>
  );
}
