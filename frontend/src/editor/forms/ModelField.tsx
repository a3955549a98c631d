/** A language model chosen from the workspace's voice models, or the workspace default. */
import type { ReactNode } from "react";
import { Link } from "react-router";
import { modelChoices, useLanguageModels } from "./languageModels";

/** Where an admin sets up voice models (the administration area's page). */
export const SET_UP_MODELS_PATH = "/administration/voice-models";

interface ModelFieldProps {
  id: string;
  label: ReactNode;
  value: string;
  invalid: boolean;
  help: ReactNode;
  describedBy?: string;
  onChange: (value: string) => void;
}

export function ModelField({ id, label, value, invalid, help, describedBy, onChange }: ModelFieldProps) {
  const models = useLanguageModels();
  const choices = modelChoices(models, value);
  return (
    <div className="field">
      {label}
      <select id={id} className="select" value={choices.selected} aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)}>
        {choices.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {models.loaded && models.names.length === 0 ? (
        <span className="field-help">
          This workspace has no language model yet: this node needs one. <Link to={SET_UP_MODELS_PATH}>Set one up</Link>
        </span>
      ) : (
        help
      )}
    </div>
  );
}
