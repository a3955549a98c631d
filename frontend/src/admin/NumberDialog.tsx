/** Create or edit a phone number: its trunk, the pipeline and version it runs, its voice
 * models (chosen from the workspace's), language and limits. */
import { useEffect, useState } from "react";
import { pipelinesApi } from "../api/pipelines";
import type { PipelineSummary, Version } from "../api/types";
import { Dialog } from "../ui/Dialog";
import { adminApi, type NumberInput, type PhoneNumber, type Trunk, type VoiceModel, type VoiceModelKind } from "./api";
import { CheckboxField, FormAlert, InputField, SelectField } from "./Field";
import { clearField, formErrors, NO_ERRORS, type FormErrors } from "./fieldErrors";
import { FormFooter } from "./controls";

const FIELDS = ["e164", "label", "trunk_id", "pipeline_id", "pinned_version", "asr_model_id", "tts_model_id", "llm_model_id", "language", "max_call_duration_s", "silence_timeout_s", "max_concurrent_calls", "transfer_target"] as const;

const EMPTY: NumberInput = {
  e164: "",
  label: "",
  trunk_id: null,
  pipeline_id: null,
  pinned_version: null,
  enabled: true,
  language: "en",
  max_call_duration_s: 1800,
  silence_timeout_s: 15,
  transfer_target: "",
  asr_model_id: null,
  tts_model_id: null,
  llm_model_id: null,
  max_concurrent_calls: null,
};

const NONE = "";
const idOrNull = (value: string) => (value === NONE ? null : Number(value));
const str = (value: number | null) => (value === null ? NONE : String(value));

function inputOf(n: PhoneNumber): NumberInput {
  const { id: _id, sync_status: _s, sync_error: _e, calls_today: _t, calls_active: _a, ...input } = n;
  return input;
}

const LOCAL_DEFAULT: Record<VoiceModelKind, string> = {
  asr: "Local recognizer (offline)",
  tts: "Local espeak-ng voice (offline)",
  llm: "The workspace default",
};

interface Props {
  number: PhoneNumber | null;
  trunks: Trunk[];
  voiceModels: VoiceModel[];
  onClose: () => void;
  onSaved: () => void;
}

export function NumberDialog({ number, trunks, voiceModels, onClose, onSaved }: Props) {
  const [form, setForm] = useState<NumberInput>(number ? inputOf(number) : EMPTY);
  const [pipelines, setPipelines] = useState<PipelineSummary[]>([]);
  const [loadedVersions, setLoadedVersions] = useState<{ pipelineId: number; versions: Version[] } | null>(null);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof NumberInput>(key: K, value: NumberInput[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => clearField(e, String(key)));
  };

  useEffect(() => {
    pipelinesApi.list().then(setPipelines, () => setPipelines([]));
  }, []);
  useEffect(() => {
    const pipelineId = form.pipeline_id;
    if (pipelineId === null) return;
    pipelinesApi.versions(pipelineId).then(
      (versions) => setLoadedVersions({ pipelineId, versions }),
      () => setLoadedVersions({ pipelineId, versions: [] }),
    );
  }, [form.pipeline_id]);
  const versions = loadedVersions?.pipelineId === form.pipeline_id ? loadedVersions.versions : [];

  const modelOptions = (kind: VoiceModelKind) => [
    { value: NONE, label: LOCAL_DEFAULT[kind] },
    ...voiceModels.filter((m) => m.kind === kind).map((m) => ({ value: String(m.id), label: `${m.name}${m.enabled ? "" : " (disabled)"}${m.is_default ? " (default)" : ""}` })),
  ];

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      if (number) await adminApi.updateNumber(number.id, form);
      else await adminApi.createNumber(form);
      onSaved();
    } catch (e) {
      setErrors(formErrors(e, FIELDS));
      setBusy(false);
    }
  };
  const err = errors.fields;
  const latest = versions[0]?.number;

  return (
    <Dialog title={number ? `Edit ${number.e164}` : "New number"} description="A number callers dial: the trunk it arrives on and the pipeline that answers." onClose={onClose} wide>
      <form onSubmit={submit} noValidate>
        <FormAlert message={errors.general} />
        <div className="form-grid">
          <InputField label="Phone number" value={form.e164} onChange={(v) => set("e164", v)} error={err.e164} placeholder="+15550100" help="E.164: + then the country code and number." required autoFocus />
          <InputField label="Label" value={form.label} onChange={(v) => set("label", v)} error={err.label} placeholder="e.g. Front desk" />
          <SelectField label="Trunk" value={str(form.trunk_id)} onChange={(v) => set("trunk_id", idOrNull(v))} error={err.trunk_id} options={[{ value: NONE, label: "No trunk (takes no calls)" }, ...trunks.map((t) => ({ value: String(t.id), label: t.name }))]} />
          <SelectField
            label="Pipeline"
            value={str(form.pipeline_id)}
            onChange={(v) => setForm((f) => ({ ...f, pipeline_id: idOrNull(v), pinned_version: null }))}
            error={err.pipeline_id}
            options={[{ value: NONE, label: "No pipeline (takes no calls)" }, ...pipelines.map((p) => ({ value: String(p.id), label: p.name }))]}
          />
          <SelectField
            label="Version"
            value={str(form.pinned_version)}
            onChange={(v) => set("pinned_version", idOrNull(v))}
            error={err.pinned_version}
            disabled={form.pipeline_id === null}
            help={form.pinned_version === null ? "New versions answer as soon as they are published." : "Stays on this version when newer ones are published."}
            options={[
              { value: NONE, label: latest ? `Latest published (now v${latest})` : "Latest published (none yet)" },
              ...versions.map((v) => ({ value: String(v.number), label: `Pinned to v${v.number}${v.note ? ` — ${v.note}` : ""}` })),
            ]}
          />
          <InputField label="Language" value={form.language} onChange={(v) => set("language", v)} error={err.language} help="BCP 47, e.g. en, fr-CA" />
        </div>
        <fieldset className="fieldset">
          <legend>Voice models</legend>
          <div className="form-grid">
            <SelectField label="Speech-to-text" value={str(form.asr_model_id)} onChange={(v) => set("asr_model_id", idOrNull(v))} error={err.asr_model_id} options={modelOptions("asr")} />
            <SelectField label="Text-to-speech" value={str(form.tts_model_id)} onChange={(v) => set("tts_model_id", idOrNull(v))} error={err.tts_model_id} options={modelOptions("tts")} />
            <SelectField label="Default language model" value={str(form.llm_model_id)} onChange={(v) => set("llm_model_id", idOrNull(v))} error={err.llm_model_id} options={modelOptions("llm")} help="For agent nodes that name no model." />
          </div>
        </fieldset>
        <fieldset className="fieldset">
          <legend>Call limits</legend>
          <div className="form-grid">
            <InputField label="Longest call (seconds)" type="number" min={1} value={String(form.max_call_duration_s)} onChange={(v) => set("max_call_duration_s", Number(v))} error={err.max_call_duration_s} />
            <InputField label="Silence before a re-prompt (seconds)" type="number" min={1} value={String(form.silence_timeout_s)} onChange={(v) => set("silence_timeout_s", Number(v))} error={err.silence_timeout_s} help="Twice that, and the call is hung up." />
            <InputField label="Most calls at once" type="number" min={1} value={form.max_concurrent_calls === null ? "" : String(form.max_concurrent_calls)} onChange={(v) => set("max_concurrent_calls", v === "" ? null : Number(v))} error={err.max_concurrent_calls} help="Empty: the trunk's and the workspace's limits." />
            <InputField label="Transfer to" value={form.transfer_target} onChange={(v) => set("transfer_target", v)} error={err.transfer_target} placeholder="tel:+15550199" />
          </div>
          <CheckboxField label="Enabled (takes calls)" checked={form.enabled} onChange={(v) => set("enabled", v)} />
        </fieldset>
        <FormFooter onCancel={onClose} busy={busy} label={number ? "Save number" : "Create number"} />
      </form>
    </Dialog>
  );
}
