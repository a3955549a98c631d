/** Writing one scenario: what the caller does, step by step (or a simulated caller: a model
 * playing a persona), what each step must lead to, what must be true at the end, the call's
 * facts and the model's canned answers. */
import { useId, useState } from "react";
import type { Expectation, Scenario, ScenarioStep, TransferOutcome } from "../../api/flowTests";
import { Icon } from "../../ui/Icon";
import { ExpectationEditor } from "./ExpectationEditor";
import { SimulatedCallerFields } from "./SimulatedCallerFields";
import { newExpectation, parseVariables, STEP_LABELS, TRANSFER_OUTCOME_LABELS, variablesText, withCaller } from "./suiteModel";

interface Props {
  initial: Scenario;
  busy: boolean;
  onSave: (scenario: Scenario) => void;
  onCancel: () => void;
}

function ExpectationList({ list, label, onChange }: { list: Expectation[]; label: string; onChange: (next: Expectation[]) => void }) {
  return (
    <div style={{ display: "grid", gap: 4 }}>
      {list.map((e, i) => (
        <ExpectationEditor
          key={i}
          value={e}
          label={`${label} expectation ${i + 1}`}
          onChange={(next) => onChange(list.map((old, j) => (j === i ? next : old)))}
          onRemove={() => onChange(list.filter((_, j) => j !== i))}
        />
      ))}
      <button type="button" className="btn btn-ghost btn-sm" style={{ justifySelf: "start" }} onClick={() => onChange([...list, newExpectation("said")])}>
        <Icon name="plus" size={13} /> Expect… ({label})
      </button>
    </div>
  );
}

export function ScenarioEditor({ initial, busy, onSave, onCancel }: Props) {
  const [scenario, setScenario] = useState<Scenario>(initial);
  const nameId = useId();
  const answersId = useId();
  const callerId = useId();
  const variablesId = useId();
  const attributesId = useId();
  const silenceId = useId();
  const [keptSteps, setKeptSteps] = useState(initial.steps);
  const simulated = scenario.simulated != null;
  const chooseCaller = (next: boolean) => {
    if (next === simulated) return;
    if (next) setKeptSteps(scenario.steps);
    setScenario(withCaller(scenario, next, keptSteps));
  };
  const setStep = (index: number, step: ScenarioStep) => setScenario((s) => ({ ...s, steps: s.steps.map((old, i) => (i === index ? step : old)) }));
  const answers = (scenario.model_answers ?? []).map((a) => a.text ?? "").join("\n");
  return (
    <form
      className="inspector-section"
      aria-label="Scenario"
      onSubmit={(e) => {
        e.preventDefault();
        onSave(scenario);
      }}
    >
      <div className="field">
        <label className="field-label" htmlFor={nameId}>
          Scenario name
        </label>
        <input id={nameId} className="input" value={scenario.name} maxLength={200} onChange={(e) => setScenario({ ...scenario, name: e.target.value })} data-autofocus />
      </div>
      <div role="radiogroup" aria-label="Who calls" className="string-list-row" style={{ gap: 12, marginBottom: 8 }}>
        <label className="checkbox">
          <input type="radio" name="who-calls" checked={!simulated} onChange={() => chooseCaller(false)} /> Scripted steps
        </label>
        <label className="checkbox">
          <input type="radio" name="who-calls" checked={simulated} onChange={() => chooseCaller(true)} /> A simulated caller (a language model plays it)
        </label>
      </div>
      {scenario.simulated != null && <SimulatedCallerFields value={scenario.simulated} onChange={(next) => setScenario({ ...scenario, simulated: next })} />}
      {scenario.steps.map((step, index) => (
        <fieldset key={index} className="fieldset" style={{ marginBottom: 8 }} aria-label={`Step ${index + 1}`}>
          <div className="string-list-row" style={{ gap: 4 }}>
            <select className="input" aria-label={`Step ${index + 1}: what the caller does`} value={step.kind} onChange={(e) => { const kind = e.target.value as ScenarioStep["kind"]; setStep(index, kind === "transfer_outcome" ? { ...step, kind, outcome: step.outcome ?? "accepted" } : { ...step, kind }); }} style={{ flex: "0 1 150px" }}>
              {Object.entries(STEP_LABELS).map(([kind, text]) => (
                <option key={kind} value={kind}>
                  {text}
                </option>
              ))}
            </select>
            {step.kind === "say" && (
              <input className="input" aria-label={`Step ${index + 1}: the caller's words`} value={step.text ?? ""} placeholder="e.g. I was charged twice" onChange={(e) => setStep(index, { ...step, text: e.target.value })} />
            )}
            {step.kind === "digits" && (
              <input className="input mono" aria-label={`Step ${index + 1}: keys`} value={step.digits ?? ""} placeholder="e.g. 1234#" onChange={(e) => setStep(index, { ...step, digits: e.target.value.replace(/[^0-9*#]/g, "") })} />
            )}
            {step.kind === "transfer_outcome" && (
              <select className="input" aria-label={`Step ${index + 1}: how the transfer ends`} value={step.outcome ?? "accepted"} onChange={(e) => setStep(index, { ...step, outcome: e.target.value as TransferOutcome })}>
                {Object.entries(TRANSFER_OUTCOME_LABELS).map(([outcome, text]) => (
                  <option key={outcome} value={outcome}>
                    {text}
                  </option>
                ))}
              </select>
            )}
            {step.kind === "silence" && (
              <input className="input" type="number" min={0} aria-label={`Step ${index + 1}: seconds`} value={step.seconds ?? 5} onChange={(e) => setStep(index, { ...step, seconds: Number(e.target.value) })} />
            )}
            <button
              type="button"
              className="btn btn-ghost btn-icon btn-sm"
              aria-label={`Remove step ${index + 1}`}
              disabled={scenario.steps.length === 1}
              onClick={() => setScenario({ ...scenario, steps: scenario.steps.filter((_, i) => i !== index) })}
            >
              <Icon name="x" size={14} />
            </button>
          </div>
          {step.kind !== "hangup" && <ExpectationList list={step.expect ?? []} label={`step ${index + 1}`} onChange={(expect) => setStep(index, { ...step, expect })} />}
        </fieldset>
      ))}
      {!simulated && (
        <button type="button" className="btn btn-sm" onClick={() => setScenario({ ...scenario, steps: [...scenario.steps, { kind: "say", text: "", expect: [] }] })}>
          <Icon name="plus" size={13} /> Add a caller step
        </button>
      )}
      <div className="inspector-section-title" style={{ marginTop: 12 }}>
        At the end of the call
      </div>
      <ExpectationList list={scenario.expect ?? []} label="end" onChange={(expect) => setScenario({ ...scenario, expect })} />
      <div className="field" style={{ marginTop: 12 }}>
        <label className="field-label" htmlFor={callerId}>
          Caller's number
        </label>
        <input id={callerId} className="input mono" value={scenario.caller_number ?? "+15550100"} maxLength={32} onChange={(e) => setScenario({ ...scenario, caller_number: e.target.value })} />
      </div>
      <div className="field">
        <label className="field-label" htmlFor={variablesId}>
          Call variables (one name=value a line)
        </label>
        <textarea id={variablesId} className="textarea mono" rows={2} defaultValue={variablesText(scenario.variables)} placeholder="tier=gold" onChange={(e) => setScenario({ ...scenario, variables: parseVariables(e.target.value) })} />
      </div>
      <div className="field">
        <label className="field-label" htmlFor={attributesId}>
          SIP attributes (one name=value a line)
        </label>
        <textarea id={attributesId} className="textarea mono" rows={2} defaultValue={variablesText(scenario.attributes)} placeholder="sip.h.x-account=42" onChange={(e) => setScenario({ ...scenario, attributes: parseVariables(e.target.value) })} />
        <div className="field-help">What the caller's SIP leg carried; a run by voice joins with them.</div>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={silenceId}>
          Silence timeout (seconds, 0: none)
        </label>
        <input id={silenceId} className="input" type="number" min={0} max={600} value={scenario.silence_timeout_s ?? 15} onChange={(e) => setScenario({ ...scenario, silence_timeout_s: Number(e.target.value) })} />
        <div className="field-help">As the number's: a caller silent this long is asked whether they are still there; twice, the call ends.</div>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={answersId}>
          Language model answers (one per line, in order)
        </label>
        <textarea
          id={answersId}
          className="textarea"
          rows={2}
          value={answers}
          placeholder="Leave empty to use the workspace's models"
          onChange={(e) => {
            const lines = e.target.value.split("\n");
            setScenario({ ...scenario, model_answers: e.target.value.trim() === "" ? null : lines.map((text) => ({ text })) });
          }}
        />
        <div className="field-help">Canned answers make the scenario deterministic: no model is asked.</div>
      </div>
      <div className="dialog-footer" style={{ padding: "8px 0" }}>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Save scenario
        </button>
      </div>
    </form>
  );
}
