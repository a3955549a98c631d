/** Prices: the dated price book (credits per unit, per model where set); admins edit it. */
import { useState } from "react";
import { useCan } from "../app/session";
import { showToast } from "../ui/toasts";
import { adminApi, type Price, type PriceInput } from "./api";
import { AdminSection, LoadState } from "./AdminSection";
import { FormAlert, InputField, SelectField } from "./Field";
import { useResource } from "./useResource";
import { DeleteButton, DeleteConfirm, RowActions } from "./controls";
import { AdminTable } from "./components/AdminTable";
import { useAdminForm } from "./components/useAdminForm";

const KINDS = [
  { value: "call_seconds", label: "Call time" },
  { value: "asr_seconds", label: "Speech recognition" },
  { value: "tts_characters", label: "Speech synthesis" },
  { value: "llm_input_tokens", label: "LLM input tokens" },
  { value: "llm_output_tokens", label: "LLM output tokens" },
];
const kindLabel = (kind: string) => KINDS.find((k) => k.value === kind)?.label ?? kind;
const today = () => new Date().toISOString().slice(0, 10);

export function PricesPage() {
  const canEdit = useCan("prices.manage");
  const prices = useResource(adminApi.prices);
  const { form, setForm, set, errors, busy, submitWith } = useAdminForm<PriceInput>({ kind: "call_seconds", model_name: "", credits: "", effective_from: today(), note: "" }, ["kind", "model_name", "credits", "effective_from", "note"]);
  const [deleting, setDeleting] = useState<Price | null>(null);

  const submit = submitWith(async () => {
    await adminApi.setPrice({ ...form, model_name: form.model_name.trim() });
    showToast(`Price of ${kindLabel(form.kind).toLowerCase()} set from ${form.effective_from}`);
    setForm((f) => ({ ...f, credits: "", note: "" }));
    prices.reload();
  });

  return (
    <AdminSection title="Prices" description="Credits per unit of usage. A price applies to calls from its date on; a model's own price beats the kind's.">
      {canEdit ? (
        <form className="admin-card" onSubmit={submit} noValidate>
          <h2>Set a price</h2>
          <FormAlert message={errors.general} />
          <div className="form-grid">
            <SelectField label="Usage" value={form.kind} onChange={(v) => set("kind", v)} options={KINDS} error={errors.fields.kind} />
            <InputField label="Model (optional)" value={form.model_name} onChange={(v) => set("model_name", v)} error={errors.fields.model_name} placeholder="every model" help="A voice model's name or its provider's model id, e.g. gpt-4o-mini." />
            <InputField label="Credits" type="number" min={0} step="0.0001" value={form.credits} onChange={(v) => set("credits", v)} error={errors.fields.credits} help={form.kind === "call_seconds" || form.kind === "asr_seconds" ? "per minute" : "per 1,000 units"} />
            <InputField label="From" type="date" value={form.effective_from} onChange={(v) => set("effective_from", v)} error={errors.fields.effective_from} />
            <div className="span-2">
              <InputField label="Note" value={form.note} onChange={(v) => set("note", v)} error={errors.fields.note} placeholder="e.g. 2027 rate card" />
            </div>
          </div>
          <button type="submit" className="btn btn-primary" disabled={busy || form.credits === ""}>
            {busy ? "Saving…" : "Set price"}
          </button>
        </form>
      ) : (
        <div className="alert alert-info read-only-note" role="note">
          Read only: owners and admins change prices.
        </div>
      )}
      <LoadState resource={prices} empty={{ title: "No prices", text: "The built-in prices apply until you set your own." }}>
        {(list) => (
          <AdminTable columns={["Usage", "Model", { label: "Credits", numeric: true }, "Unit", "From", "Note"]} actions={canEdit}>
            {list.map((p) => (
              <tr key={p.id ?? `default-${p.kind}`}>
                <td>{kindLabel(p.kind)}</td>
                <td>{p.model_name || <span className="muted">every model</span>}</td>
                <td className="num">{Number(p.credits).toLocaleString("en-US", { maximumFractionDigits: 4 })}</td>
                <td className="muted">{p.unit}</td>
                <td>{p.effective_from ?? <span className="muted">always</span>}</td>
                <td className="muted">{p.note}</td>
                {canEdit && (
                  <RowActions>{p.id !== null && <DeleteButton name={`the price of ${kindLabel(p.kind)} from ${p.effective_from}`} onClick={() => setDeleting(p)} />}</RowActions>
                )}
              </tr>
            ))}
          </AdminTable>
        )}
      </LoadState>
      {deleting && (
        <DeleteConfirm
          title="Delete this price?"
          message={`Calls from ${deleting.effective_from} on are priced by the price before it. Calls already billed keep their credits.`}
          confirmLabel="Delete price"
          remove={() => adminApi.deletePrice(deleting.id ?? 0)}
          onDone={prices.reload}
          onClose={() => setDeleting(null)}
        />
      )}
    </AdminSection>
  );
}
