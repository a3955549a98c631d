/** Create or edit a SIP trunk, starting from a carrier preset. */
import { useState } from "react";
import { Dialog } from "../ui/Dialog";
import { adminApi, type Trunk, type TrunkInput } from "./api";
import { CARRIER_PRESETS, CODECS, type CarrierPreset } from "./carrierPresets";
import { CheckboxField, FieldShell, FormAlert, InputField, SelectField } from "./Field";
import { SecretField } from "./SecretField";
import { FormFooter } from "./controls";
import { useAdminForm } from "./components/useAdminForm";

const FIELDS = ["name", "direction", "address", "transport", "username", "password", "inbound_username", "inbound_password", "allowed_addresses", "codecs", "max_concurrent_calls", "supports_refer"] as const;

const EMPTY: TrunkInput = {
  name: "",
  direction: "both",
  address: "",
  transport: "udp",
  username: "",
  inbound_username: "",
  allowed_addresses: [],
  codecs: ["PCMU", "PCMA"],
  max_concurrent_calls: 10,
  supports_refer: false,
};

function inputOf(trunk: Trunk): TrunkInput {
  const { name, direction, address, transport, username, inbound_username, allowed_addresses, codecs, max_concurrent_calls, supports_refer } = trunk;
  return { name, direction, address, transport, username, inbound_username, allowed_addresses, codecs, max_concurrent_calls, supports_refer };
}

export function TrunkDialog({ trunk, onClose, onSaved }: { trunk: Trunk | null; onClose: () => void; onSaved: () => void }) {
  const { form, setForm, set, errors, busy, submitWith } = useAdminForm<TrunkInput>(trunk ? inputOf(trunk) : EMPTY, FIELDS);
  const [preset, setPreset] = useState<CarrierPreset | null>(null);

  const applyPreset = (p: CarrierPreset) => {
    setPreset(p);
    setForm((f) => ({ ...f, ...p.values, name: f.name || p.label }));
  };

  const submit = submitWith(async () => {
    if (trunk) await adminApi.updateTrunk(trunk.id, form);
    else await adminApi.createTrunk(form);
    onSaved();
  });
  const err = errors.fields;
  const outbound = form.direction !== "inbound";
  const inbound = form.direction !== "outbound";

  return (
    <Dialog title={trunk ? `Edit ${trunk.name}` : "New trunk"} description="How betool reaches your carrier, and how the carrier's calls are let in." onClose={onClose} wide>
      <form onSubmit={submit} noValidate>
        {!trunk && (
          <>
            <div className="preset-grid" role="group" aria-label="Carrier">
              {CARRIER_PRESETS.map((p) => (
                <button key={p.key} type="button" className="template-card" aria-pressed={preset?.key === p.key} onClick={() => applyPreset(p)}>
                  <strong>{p.label}</strong>
                </button>
              ))}
            </div>
            {preset && <p className="field-help" style={{ marginTop: -6, marginBottom: 12 }}>{preset.help}</p>}
          </>
        )}
        <FormAlert message={errors.general} />
        <div className="form-grid">
          <InputField label="Name" value={form.name} onChange={(v) => set("name", v)} error={err.name} required autoFocus />
          <SelectField
            label="Direction"
            value={form.direction}
            onChange={(v) => set("direction", v as TrunkInput["direction"])}
            error={err.direction}
            options={[
              { value: "both", label: "Inbound and outbound" },
              { value: "inbound", label: "Inbound only" },
              { value: "outbound", label: "Outbound only" },
            ]}
          />
        </div>
        {outbound && (
          <fieldset className="fieldset">
            <legend>Outbound (betool calls out through the carrier)</legend>
            <div className="form-grid">
              <InputField label="SIP address" value={form.address} onChange={(v) => set("address", v)} error={err.address} placeholder={preset?.addressPlaceholder ?? "sip.example.com:5060"} />
              <SelectField
                label="Transport"
                value={form.transport}
                onChange={(v) => set("transport", v as TrunkInput["transport"])}
                error={err.transport}
                options={[
                  { value: "udp", label: "UDP" },
                  { value: "tcp", label: "TCP" },
                  { value: "tls", label: "TLS" },
                ]}
              />
              <InputField label="Username" value={form.username} onChange={(v) => set("username", v)} error={err.username} />
              <SecretField label="Password" isSet={trunk?.has_password ?? false} onChange={(v) => set("password", v)} error={err.password} />
            </div>
          </fieldset>
        )}
        {inbound && (
          <fieldset className="fieldset">
            <legend>Inbound (the carrier's calls to your numbers)</legend>
            <FieldShell label="Allowed addresses" error={err.allowed_addresses} help="The carrier's signalling addresses or ranges, one a line (e.g. 203.0.113.0/24). Empty: any address, with the username and password below.">
              {(aria) => (
                <textarea
                  className="textarea"
                  rows={3}
                  value={form.allowed_addresses.join("\n")}
                  onChange={(e) => set("allowed_addresses", e.target.value.split("\n").map((s) => s.trim()).filter(Boolean))}
                  {...aria}
                />
              )}
            </FieldShell>
            <div className="form-grid">
              <InputField label="Inbound username" value={form.inbound_username} onChange={(v) => set("inbound_username", v)} error={err.inbound_username} />
              <SecretField label="Inbound password" isSet={trunk?.has_inbound_password ?? false} onChange={(v) => set("inbound_password", v)} error={err.inbound_password} />
            </div>
          </fieldset>
        )}
        <fieldset className="fieldset">
          <legend>Media and limits</legend>
          <div className="field" role="group" aria-label="Codecs">
            <span className="field-label">Codecs</span>
            <div className="badge-row">
              {CODECS.map((codec) => (
                <label key={codec} className="checkbox">
                  <input
                    type="checkbox"
                    checked={form.codecs.includes(codec)}
                    onChange={(e) => set("codecs", e.target.checked ? [...form.codecs, codec] : form.codecs.filter((c) => c !== codec))}
                  />
                  {codec}
                </label>
              ))}
            </div>
            {err.codecs && <span className="field-error">{err.codecs}</span>}
          </div>
          <div className="form-grid">
            <InputField label="Most calls at once" type="number" min={1} value={String(form.max_concurrent_calls)} onChange={(v) => set("max_concurrent_calls", Number(v))} error={err.max_concurrent_calls} />
            <CheckboxField label="Carrier accepts SIP REFER (transfers)" checked={form.supports_refer} onChange={(v) => set("supports_refer", v)} />
          </div>
        </fieldset>
        <FormFooter onCancel={onClose} busy={busy} label={trunk ? "Save trunk" : "Create trunk"} />
      </form>
    </Dialog>
  );
}
