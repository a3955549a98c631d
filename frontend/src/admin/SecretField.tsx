/** A write-only secret: the page only knows whether one is set; it can be replaced or removed. */
import { useId, useState } from "react";

interface SecretFieldProps {
  label: string;
  isSet: boolean;
  /** receives undefined to keep what is stored, "" to remove it, otherwise the new value */
  onChange: (value: string | undefined) => void;
  error?: string;
  help?: string;
}

type Mode = "keep" | "replace" | "remove";

export function SecretField({ label, isSet, onChange, error, help }: SecretFieldProps) {
  const id = useId();
  const [mode, setMode] = useState<Mode>("keep");
  const [typed, setTyped] = useState("");
  const choose = (next: Mode) => {
    setMode(next);
    setTyped("");
    onChange(next === "remove" ? "" : undefined);
  };
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className="secret-row">
        {mode === "replace" ? (
          <input
            id={id}
            className="input"
            type="password"
            autoComplete="new-password"
            value={typed}
            placeholder="New value"
            data-autofocus
            aria-invalid={error ? true : undefined}
            onChange={(e) => {
              setTyped(e.target.value);
              onChange(e.target.value === "" ? undefined : e.target.value);
            }}
          />
        ) : (
          <span id={id} className={`badge ${mode === "remove" ? "badge-warning" : isSet ? "badge-success" : ""}`}>
            {mode === "remove" ? "will be removed" : isSet ? "set" : "not set"}
          </span>
        )}
        {mode === "keep" ? (
          <>
            <button type="button" className="btn btn-sm" onClick={() => choose("replace")}>
              {isSet ? "Replace" : "Set"}
            </button>
            {isSet && (
              <button type="button" className="btn btn-sm btn-ghost" onClick={() => choose("remove")}>
                Remove
              </button>
            )}
          </>
        ) : (
          <button type="button" className="btn btn-sm btn-ghost" onClick={() => choose("keep")}>
            Keep {isSet ? "current" : "unset"}
          </button>
        )}
      </div>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : (
        help && <span className="field-help">{help}</span>
      )}
    </div>
  );
}
