/** "Turn this call into a scenario" on a call's page: the scenario joins its pipeline's tests. */
import { useState } from "react";
import { Link } from "react-router";
import { errorMessage } from "../../api/client";
import { callToScenario } from "../../api/flowTests";
import { PERMISSIONS, useCan } from "../../app/session";

export function CallToScenario({ callId, hasPipeline }: { callId: number; hasPipeline: boolean }) {
  const canEdit = useCan(PERMISSIONS.pipelinesEdit);
  const [state, setState] = useState<{ busy: boolean; done?: { pipelineId: number; name: string; scenario: string }; error?: string }>({ busy: false });
  if (!canEdit || !hasPipeline) return null;
  const run = async () => {
    setState({ busy: true });
    try {
      const made = await callToScenario(callId);
      setState({ busy: false, done: { pipelineId: made.pipeline_id, name: made.pipeline_name, scenario: made.scenario.name } });
    } catch (e) {
      setState({ busy: false, error: errorMessage(e) });
    }
  };
  return (
    <div style={{ display: "grid", gap: 6, justifyItems: "end" }}>
      <button type="button" className="btn" disabled={state.busy} onClick={() => void run()}>
        Turn this call into a scenario
      </button>
      {state.done && (
        <div className="alert alert-info" role="status">
          “{state.done.scenario}” is in the tests of <Link to={`/pipelines/${state.done.pipelineId}`}>{state.done.name}</Link>.
        </div>
      )}
      {state.error && (
        <div className="alert alert-error" role="alert">
          {state.error}
        </div>
      )}
    </div>
  );
}
