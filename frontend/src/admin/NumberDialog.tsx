/** Create or edit a phone number: its trunk, the pipeline and version it runs, its voice
 * models (chosen from the workspace's), language and limits. */
import { useEffect, useState } from "react";
import { pipelinesApi } from "../api/pipelines";
import type { PipelineSummary, Version } from "../api/types";
import { Dialog } from "../ui/Dialog";
import { adminApi, type BargeInMode, type BargeInSensitivity, type NumberInput, type PhoneNumber, type Trunk, type VoiceModel, type VoiceModelKind } from "./api";
import { CheckboxField, FormAlert, InputField, SelectField } from "./Field";
import { FormFooter } from "./controls";
import { useAdminForm } from "./components/useAdminForm";

const FIELDS = ["e164", "label", "trunk_id", "pipeline_id", "pinned_version", "asr_model_id", "tts_model_id", "llm_model_id", "language", "max_call_duration_s", "silence_timeout_s", "max_concurrent_calls", "transfer_target", "barge_in_mode", "barge_in_sensitivity", "record_calls", "recording_consent_line"] as const;

const BARGE_IN_MODES: { value: BargeInMode; label: string }[] = [
  { value: "any", label: "Speaking or pressing a key" },
  { value: "speech", label: "Speaking" },
  { value: "dtmf", label: "Pressing a key" },
  { value: "none", label: "Nothing: the agent always finishes" },
];

const SENSITIVITIES: { value: BargeInSensitivity; label: string }[] = [
  { value: "low", label: "Low: only sustained, clear speech" },
  { value: "medium", label: "Medium" },
  { value: "high", label: "High: a short word is enough" },
];

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
  barge_in_mode: "any",
  barge_in_sensitivity: "medium",
  record_calls: false,
  recording_consent_line: "",
};

/** What the worker says first when nothing else is set (pipelines/graph/recording_settings.py). */
const DEFAULT_CONSENT_LINE = "This call is recorded for quality and training purposes.";

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
  const { form, setForm, set, errors, busy, submitWith } = useAdminForm<NumberInput>(number ? inputOf(number) : EMPTY, FIELDS);
  const [pipelines, setPipelines] = useState<PipelineSummary[]>([]);
  const [loadedVersions, setLoadedVersions] = useState<{ pipelineId: number; versions: Version[] } | null>(null);

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

  const submit = submitWith(async () => {
    if (number) await adminApi.updateNumber(number.id, form);
    else await adminApi.createNumber(form);
    onSaved();
  });
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
        <fieldset className="fieldset">
          <legend>Interruptions (barge-in)</legend>
          <div className="form-grid">
            <SelectField label="Callers interrupt the agent by" value={form.barge_in_mode} onChange={(v) => set("barge_in_mode", v as BargeInMode)} error={err.barge_in_mode} options={BARGE_IN_MODES} help="A Say, Agent or Start node can choose otherwise for what it says." />
            <SelectField label="Sensitivity to the caller's voice" value={form.barge_in_sensitivity} onChange={(v) => set("barge_in_sensitivity", v as BargeInSensitivity)} error={err.barge_in_sensitivity} options={SENSITIVITIES} />
          </div>
        </fieldset>
        <fieldset className="fieldset">
          <legend>Recording</legend>
          <CheckboxField label="Record calls to this number" checked={form.record_calls} onChange={(v) => set("record_calls", v)} help="Caller and agent on two channels, played on the call's page. The pipeline's settings can turn recording on too." />
          {form.record_calls && (
            <InputField
              label="Consent line"
              value={form.recording_consent_line}
              onChange={(v) => set("recording_consent_line", v)}
              error={err.recording_consent_line}
              placeholder={DEFAULT_CONSENT_LINE}
              help="Said before the greeting. Empty: the pipeline's line, or the one shown."
            />
          )}
        </fieldset>
        <FormFooter onCancel={onClose} busy={busy} label={number ? "Save number" : "Create number"} />
      </form>
    </Dialog>
  );
}
