/** Workspace: its settings (name, time zone, credit policy), switching, and a new workspace. */
import { useState } from "react";
import { coreApi } from "../api/core";
import { useCan, useMe } from "../app/session";
import { showToast } from "../ui/toasts";
import { adminApi, type WorkspaceSettings } from "./api";
import { AdminSection } from "./AdminSection";
import { CheckboxField, FormAlert, InputField, SelectField } from "./Field";
import { useResource } from "./useResource";
import { runWithToast } from "./components/runWithToast";
import { useAdminForm, useSubmit } from "./components/useAdminForm";

const FIELDS = ["name", "time_zone", "low_balance_threshold", "stop_calls_at_zero_balance", "end_calls_at_zero_balance", "recording_retention_days"] as const;

function timeZones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return Array.from(new Set(["UTC", current, ...known]));
}

function SettingsForm({ settings, onSaved }: { settings: WorkspaceSettings; onSaved: () => void }) {
  const canEdit = useCan("workspace.manage");
  const { form, set, errors, busy, submitWith } = useAdminForm<WorkspaceSettings>(settings, FIELDS);
  const submit = submitWith(async () => {
    const { name, time_zone, stop_calls_at_zero_balance, end_calls_at_zero_balance, low_balance_threshold, recording_retention_days } = form;
    await adminApi.updateWorkspace({ name, time_zone, stop_calls_at_zero_balance, end_calls_at_zero_balance, low_balance_threshold, recording_retention_days });
    showToast("Workspace settings saved");
    onSaved();
  });
  return (
    <form className="admin-card" onSubmit={submit} noValidate>
      <h2>Settings</h2>
      {!canEdit && (
        <div className="alert alert-info read-only-note" role="note">
          Read only: the workspace's owners change its settings.
        </div>
      )}
      <FormAlert message={errors.general} />
      <fieldset disabled={!canEdit} style={{ border: 0, padding: 0, margin: 0 }}>
        <div className="form-grid">
          <InputField label="Name" value={form.name} onChange={(v) => set("name", v)} error={errors.fields.name} />
          <SelectField label="Time zone" value={form.time_zone} onChange={(v) => set("time_zone", v)} error={errors.fields.time_zone} options={timeZones(form.time_zone).map((z) => ({ value: z, label: z }))} help="Where the workspace's days begin, for today's usage." />
          <InputField label="Low-balance alert below (credits)" type="number" min={0} step="0.01" value={form.low_balance_threshold} onChange={(v) => set("low_balance_threshold", v)} error={errors.fields.low_balance_threshold} />
        </div>
        <fieldset className="fieldset">
          <legend>When the balance reaches zero</legend>
          <CheckboxField label="Stop new calls" checked={form.stop_calls_at_zero_balance} onChange={(v) => set("stop_calls_at_zero_balance", v)} help="Callers hear that the service is unavailable; outbound calls are refused with the reason." />
          <CheckboxField label="End running calls" checked={form.end_calls_at_zero_balance} onChange={(v) => set("end_calls_at_zero_balance", v)} help="Calls in progress are ended with a short line." />
        </fieldset>
        <fieldset className="fieldset">
          <legend>Retention</legend>
          <InputField
            label="Delete recordings and transcripts after (days)"
            type="number"
            min={0}
            step="1"
            value={String(form.recording_retention_days)}
            onChange={(v) => set("recording_retention_days", v === "" ? 0 : Number(v))}
            error={errors.fields.recording_retention_days}
            help="0 keeps them. Checked every hour; each deletion is written to the audit log."
          />
        </fieldset>
        {canEdit && (
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Saving…" : "Save settings"}
          </button>
        )}
      </fieldset>
    </form>
  );
}

export function WorkspacePage() {
  const me = useMe();
  const settings = useResource(adminApi.workspace);
  const [name, setName] = useState("");
  const { busy, errors, submitWith } = useSubmit(["name"]);

  const switchTo = async (slug: string) => {
    if (await runWithToast(() => coreApi.switchWorkspace(slug))) window.location.assign("/administration/workspace");
  };
  const create = submitWith(async () => {
    await adminApi.createWorkspace(name.trim());
    window.location.assign("/administration/workspace");
  });

  return (
    <AdminSection title="Workspace" description="Settings of this workspace, and the other workspaces you belong to.">
      {settings.error && (
        <div className="alert alert-error" role="alert">
          {settings.error}
        </div>
      )}
      {settings.data ? (
        <SettingsForm settings={settings.data} onSaved={settings.reload} />
      ) : (
        !settings.error && (
          <div className="loading" role="status">
            <div className="spinner" aria-label="Loading" />
          </div>
        )
      )}
      <div className="admin-card">
        <h2>Your workspaces</h2>
        <table className="pipeline-table admin-table">
          <tbody>
            {me.workspaces.map((w) => (
              <tr key={w.slug}>
                <td className="strong">{w.name}</td>
                <td className="muted mono">{w.slug}</td>
                <td>
                  <div className="admin-actions">
                    {w.slug === me.workspace.slug ? (
                      <span className="badge badge-accent">current</span>
                    ) : (
                      <button type="button" className="btn btn-sm" onClick={() => void switchTo(w.slug)}>
                        Switch to {w.name}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="admin-card" onSubmit={create} noValidate>
        <h2>New workspace</h2>
        <p className="muted" style={{ marginTop: -6 }}>
          A separate set of pipelines, numbers, members and credits. You are its owner.
        </p>
        <FormAlert message={errors.general} />
        <InputField label="Workspace name" value={name} onChange={setName} error={errors.fields.name} placeholder="e.g. Acme Sales" />
        <button type="submit" className="btn btn-primary" disabled={busy || name.trim() === ""}>
          {busy ? "Creating…" : "Create and switch"}
        </button>
      </form>
    </AdminSection>
  );
}
