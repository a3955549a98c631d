/** Add or edit a voice model: the provider, its key (write-only) and address, then the model
 * and the voice picked from what the provider offers. */
import { useState } from "react";
import { Dialog } from "../ui/Dialog";
import { adminApi, type CatalogItem, type ConnectionResult, type VoiceModel, type VoiceModelInput, type VoiceModelKind } from "./api";
import { FieldShell, FormAlert, InputField, SelectField } from "./Field";
import { formErrors } from "./fieldErrors";
import { KIND_LABELS, PROVIDER_PRESETS, type ProviderPreset } from "./providerPresets";
import { SecretField } from "./SecretField";
import { FormFooter } from "./controls";
import { useAdminForm } from "./components/useAdminForm";

const FIELDS = ["name", "kind", "provider", "model", "voice", "language", "base_url", "api_key"] as const;

function presetOf(model: VoiceModel): ProviderPreset {
  const candidates = PROVIDER_PRESETS.filter((p) => p.provider === model.provider);
  const keyless = model.provider === "openai_compatible" && !model.has_api_key;
  return candidates.find((p) => p.needsKey !== keyless) ?? candidates[0] ?? PROVIDER_PRESETS[0]!;
}

function CatalogPicker({ label, value, onChange, items, error, placeholder }: { label: string; value: string; onChange: (v: string) => void; items: CatalogItem[]; error?: string; placeholder: string }) {
  const listId = `${label.replace(/\W/g, "")}-catalog`;
  return (
    <FieldShell label={label} error={error} help={items.length ? `${items.length} offered by the provider` : "Load the catalog to choose, or type it."}>
      {(aria) => (
        <>
          <input className="input" list={listId} value={value} onChange={(e) => onChange(e.target.value)} placeholder={placeholder} {...aria} />
          <datalist id={listId}>
            {items.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </datalist>
        </>
      )}
    </FieldShell>
  );
}

export function VoiceModelDialog({ model, onClose, onSaved }: { model: VoiceModel | null; onClose: () => void; onSaved: () => void }) {
  const [preset, setPreset] = useState<ProviderPreset | null>(model ? presetOf(model) : null);
  const { form, setForm, set, errors, setErrors, busy, submitWith } = useAdminForm<VoiceModelInput>(
    model
      ? { name: model.name, kind: model.kind, provider: model.provider, model: model.model, voice: model.voice, language: model.language, base_url: model.base_url, enabled: model.enabled }
      : { name: "", kind: "llm", provider: "", model: "", voice: "", language: "en", base_url: "", enabled: true },
    FIELDS,
  );
  const [catalog, setCatalog] = useState<ConnectionResult | null>(null);
  const [loadingCatalog, setLoadingCatalog] = useState(false);

  const choose = (p: ProviderPreset) => {
    setPreset(p);
    setCatalog(null);
    const kind = p.kinds.includes(form.kind) ? form.kind : p.kinds[0]!;
    setForm((f) => ({ ...f, provider: p.provider, kind, base_url: p.baseUrl && p.baseUrl !== "https://" ? p.baseUrl : "", name: f.name || p.label.replace(/ \(.*\)$/, "") }));
  };

  const loadCatalog = async () => {
    setLoadingCatalog(true);
    try {
      setCatalog(await adminApi.catalog({ kind: form.kind, provider: form.provider, base_url: form.base_url, api_key: form.api_key ?? "", ...(model ? { voice_model_id: model.id } : {}) }));
    } catch (e) {
      setErrors(formErrors(e, FIELDS));
    }
    setLoadingCatalog(false);
  };

  const submit = submitWith(async () => {
    if (model) {
      const { kind: _k, provider: _p, ...changes } = form;
      await adminApi.updateVoiceModel(model.id, changes);
    } else await adminApi.createVoiceModel(form);
    onSaved();
  });
  const err = errors.fields;
  const local = form.provider.startsWith("local_");

  return (
    <Dialog title={model ? `Edit ${model.name}` : "Add a voice model"} description="A provider's model for speech-to-text, text-to-speech or language." onClose={onClose} wide>
      <form onSubmit={submit} noValidate>
        {!model && (
          <div className="preset-grid" role="group" aria-label="Provider">
            {PROVIDER_PRESETS.map((p) => (
              <button key={p.key} type="button" className="template-card" aria-pressed={preset?.key === p.key} onClick={() => choose(p)}>
                <strong>{p.label}</strong>
                <span>{p.kinds.map((k) => KIND_LABELS[k]).join(", ")}</span>
              </button>
            ))}
          </div>
        )}
        {preset && (
          <>
            <p className="field-help" style={{ marginTop: -6, marginBottom: 12 }}>
              {preset.help}
            </p>
            <FormAlert message={errors.general} />
            <div className="form-grid">
              <InputField label="Name" value={form.name} onChange={(v) => set("name", v)} error={err.name} help="How numbers and pipelines refer to it." required autoFocus />
              <SelectField label="Does" value={form.kind} onChange={(v) => set("kind", v as VoiceModelKind)} error={err.kind} disabled={model !== null} options={preset.kinds.map((k) => ({ value: k, label: KIND_LABELS[k] }))} />
              {!local && <SecretField label={preset.needsKey ? "API key" : "API key (optional)"} isSet={model?.has_api_key ?? false} onChange={(v) => set("api_key", v)} error={err.api_key} />}
              {(preset.baseUrl !== null || form.base_url) && <InputField label="Base URL" value={form.base_url} onChange={(v) => set("base_url", v)} error={err.base_url} placeholder={preset.baseUrl ?? ""} />}
            </div>
            <div className="toolbar-row" style={{ marginBottom: 12 }}>
              <button type="button" className="btn btn-sm" onClick={() => void loadCatalog()} disabled={loadingCatalog}>
                {loadingCatalog ? "Asking the provider…" : "Load the provider's catalog"}
              </button>
              {catalog && (
                <span className={catalog.ok ? "result-ok" : "result-bad"} role="status">
                  {catalog.message} ({Math.round(catalog.ms)} ms)
                </span>
              )}
            </div>
            <div className="form-grid">
              {!local && <CatalogPicker label="Model" value={form.model} onChange={(v) => set("model", v)} items={catalog?.models ?? []} error={err.model} placeholder={form.kind === "llm" ? "e.g. gpt-4o-mini" : "e.g. nova-3"} />}
              {form.kind === "tts" && <CatalogPicker label="Voice" value={form.voice} onChange={(v) => set("voice", v)} items={catalog?.voices ?? []} error={err.voice} placeholder="voice id" />}
              {form.kind !== "llm" && <InputField label="Language" value={form.language} onChange={(v) => set("language", v)} error={err.language} help="BCP 47, e.g. en, fr-CA" />}
            </div>
          </>
        )}
        <FormFooter onCancel={onClose} busy={busy} disabled={!preset} label={model ? "Save voice model" : "Add voice model"} />
      </form>
    </Dialog>
  );
}
