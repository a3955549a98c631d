/** A simulated caller in the scenario form: who the model plays, what they want, for how many
 * turns, how many runs and the share of them that must pass, and which model plays them. */
import { useId } from "react";
import type { SimulatedCaller } from "../../api/flowTests";
import { ModelField } from "../forms/ModelField";
import { SIMULATED_DEFAULTS } from "./suiteModel";

interface Props {
  value: SimulatedCaller;
  onChange: (next: SimulatedCaller) => void;
}

export function SimulatedCallerFields({ value, onChange }: Props) {
  const personaId = useId();
  const goalId = useId();
  const turnsId = useId();
  const runsId = useId();
  const rateId = useId();
  const modelId = useId();
  const caller = { ...SIMULATED_DEFAULTS, ...value };
  const set = (patch: Partial<SimulatedCaller>) => onChange({ ...caller, ...patch });
  return (
    <fieldset className="fieldset" aria-label="Simulated caller" style={{ marginBottom: 8 }}>
      <div className="field">
        <label className="field-label" htmlFor={personaId}>
          Who the caller is
        </label>
        <textarea id={personaId} className="textarea" rows={2} maxLength={2000} value={caller.persona} placeholder="e.g. a customer charged twice, impatient" onChange={(e) => set({ persona: e.target.value })} />
      </div>
      <div className="field">
        <label className="field-label" htmlFor={goalId}>
          What the caller wants
        </label>
        <textarea id={goalId} className="textarea" rows={2} maxLength={2000} value={caller.goal} placeholder="e.g. a refund of the second charge" onChange={(e) => set({ goal: e.target.value })} />
      </div>
      <div className="string-list-row" style={{ gap: 8 }}>
        <div className="field" style={{ flex: 1 }}>
          <label className="field-label" htmlFor={turnsId}>
            Turns at most
          </label>
          <input id={turnsId} className="input" type="number" min={1} max={30} value={caller.max_turns} onChange={(e) => set({ max_turns: Number(e.target.value) })} />
        </div>
        <div className="field" style={{ flex: 1 }}>
          <label className="field-label" htmlFor={runsId}>
            Runs
          </label>
          <input id={runsId} className="input" type="number" min={1} max={20} value={caller.runs} onChange={(e) => set({ runs: Number(e.target.value) })} />
        </div>
        <div className="field" style={{ flex: 1 }}>
          <label className="field-label" htmlFor={rateId}>
            Must pass (%)
          </label>
          <input id={rateId} className="input" type="number" min={0} max={100} value={Math.round((caller.min_pass_rate ?? 0) * 100)} onChange={(e) => set({ min_pass_rate: Number(e.target.value) / 100 })} />
        </div>
      </div>
      <ModelField
        id={modelId}
        label={
          <label className="field-label" htmlFor={modelId}>
            Model that plays the caller
          </label>
        }
        value={caller.model ?? ""}
        invalid={false}
        help={<span className="field-help">The expectations at the end are checked on every run; the pass rate is what is reported.</span>}
        onChange={(model) => set({ model })}
      />
    </fieldset>
  );
}
