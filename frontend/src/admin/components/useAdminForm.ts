/** A form's submit cycle (busy, the server's refusals by field) and its values, shared by the
 * administration forms and dialogs. */
import { useState, type FormEvent } from "react";
import { clearField, formErrors, NO_ERRORS, type FormErrors } from "../fieldErrors";

/** `fields` are the fields the form shows (a refusal about another one is said above the form). */
export function useSubmit(fields: readonly string[]) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  /** The form's onSubmit: runs `save`; a refusal lands on its fields and nothing typed is lost. */
  const submitWith = (save: () => Promise<unknown>) => async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      await save();
    } catch (e) {
      setErrors(formErrors(e, fields));
    }
    setBusy(false);
  };
  return { busy, errors, setErrors, submitWith };
}

/** The values of a form of several fields; editing a field answers its error. */
export function useAdminForm<T extends object>(initial: T, fields: readonly string[]) {
  const submit = useSubmit(fields);
  const [form, setForm] = useState<T>(initial);
  const { setErrors } = submit;
  const set = <K extends keyof T>(key: K, value: T[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => clearField(e, String(key)));
  };
  return { ...submit, form, setForm, set };
}
