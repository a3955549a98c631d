/** The server's refusals, by field: `{field, message}` details go on their field; the rest is
 * said once above the form. */
import { ApiError, errorMessage } from "../api/client";

export interface FormErrors {
  fields: Record<string, string>;
  general: string | null;
}

export const NO_ERRORS: FormErrors = { fields: {}, general: null };

function isFieldDetail(value: unknown): value is { field: string; message: string } {
  return typeof value === "object" && value !== null && "field" in value && "message" in value;
}

/** `known` are the fields the form shows; a detail about another field stays general. */
export function formErrors(error: unknown, known: readonly string[]): FormErrors {
  const fields: Record<string, string> = {};
  const unplaced: string[] = [];
  const details = error instanceof ApiError && Array.isArray(error.details) ? error.details : [];
  for (const detail of details) {
    if (!isFieldDetail(detail)) continue;
    const field = known.find((name) => detail.field === name || detail.field.startsWith(`${name}.`));
    if (field) fields[field] = fields[field] ? `${fields[field]} ${detail.message}` : detail.message;
    else unplaced.push(detail.field ? `${detail.field}: ${detail.message}` : detail.message);
  }
  const placedAll = Object.keys(fields).length > 0 && unplaced.length === 0;
  const general = placedAll ? null : unplaced.length > 0 ? unplaced.join(" ") : errorMessage(error);
  return { fields, general };
}

/** The errors once a field has been edited: its own error is answered, the others stay. */
export function clearField(errors: FormErrors, field: string): FormErrors {
  if (!(field in errors.fields)) return errors;
  const { [field]: _answered, ...fields } = errors.fields;
  return { ...errors, fields };
}
