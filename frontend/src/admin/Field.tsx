/** Labelled form controls that show the server's error on the field itself. */
import { useId, type ReactNode } from "react";

interface FieldShellProps {
  label: string;
  error?: string;
  help?: ReactNode;
  children: (props: { id: string; "aria-invalid"?: true; "aria-describedby"?: string }) => ReactNode;
}

export function FieldShell({ label, error, help, children }: FieldShellProps) {
  const id = useId();
  const described = error ? `${id}-error` : help ? `${id}-help` : undefined;
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {children({ id, ...(error ? { "aria-invalid": true } : {}), ...(described ? { "aria-describedby": described } : {}) })}
      {error ? (
        <span className="field-error" id={`${id}-error`} role="alert">
          {error}
        </span>
      ) : (
        help && (
          <span className="field-help" id={`${id}-help`}>
            {help}
          </span>
        )
      )}
    </div>
  );
}

interface InputFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  help?: ReactNode;
  type?: string;
  placeholder?: string;
  required?: boolean;
  disabled?: boolean;
  autoFocus?: boolean;
  min?: number;
  step?: string;
}

export function InputField({ label, value, onChange, error, help, autoFocus, ...rest }: InputFieldProps) {
  return (
    <FieldShell label={label} error={error} help={help}>
      {(aria) => <input className="input" value={value} onChange={(e) => onChange(e.target.value)} {...(autoFocus ? { "data-autofocus": true } : {})} {...aria} {...rest} />}
    </FieldShell>
  );
}

interface SelectFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: { value: string; label: string }[];
  error?: string;
  help?: ReactNode;
  disabled?: boolean;
}

export function SelectField({ label, value, onChange, options, error, help, disabled }: SelectFieldProps) {
  return (
    <FieldShell label={label} error={error} help={help}>
      {(aria) => (
        <select className="select" value={value} onChange={(e) => onChange(e.target.value)} disabled={disabled} {...aria}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </FieldShell>
  );
}

export function CheckboxField({ label, checked, onChange, help, disabled }: { label: string; checked: boolean; onChange: (value: boolean) => void; help?: string; disabled?: boolean }) {
  return (
    <div className="field">
      <label className="checkbox">
        <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} disabled={disabled} />
        {label}
      </label>
      {help && <span className="field-help">{help}</span>}
    </div>
  );
}

/** The error the server gave that belongs to no one field. */
export function FormAlert({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <div className="alert alert-error" role="alert" style={{ marginBottom: 12 }}>
      {message}
    </div>
  );
}
