/** One campaign: its contacts' import (while a draft), start / pause / resume / cancel, and its
 * progress, read again every 2 s while calls can be placed or end. */
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { useResource } from "../admin/useResource";
import { errorMessage } from "../api/client";
import { PERMISSIONS, useCan } from "../app/session";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { showToast } from "../ui/toasts";
import { campaignsApi, type Campaign, type CampaignAction } from "./campaignsApi";
import { ContactsImport, ImportReportView } from "./ContactsImport";
import { actionsFor, donePercent, isLive, outcomeRows } from "./progress";
import { StatusBadge } from "./StatusBadge";
import "./campaigns.css";

const POLL_MS = 2000;

const ACTION_LABELS: Record<CampaignAction, string> = { start: "Start", pause: "Pause", resume: "Resume", cancel: "Cancel campaign" };

function Stat({ label, value, note }: { label: string; value: string | number; note?: string }) {
  return (
    <div className="stat-card" role="group" aria-label={label}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {note && <div className="stat-note">{note}</div>}
    </div>
  );
}

function Progress({ campaign }: { campaign: Campaign }) {
  const p = campaign.progress;
  const finals = outcomeRows(p.final_outcomes);
  const attempts = outcomeRows(p.attempt_outcomes);
  return (
    <section aria-label="Progress">
      <div className="campaign-meter" role="progressbar" aria-label="Contacts done" aria-valuenow={donePercent(campaign)} aria-valuemin={0} aria-valuemax={100}>
        <div style={{ width: `${donePercent(campaign)}%` }} />
      </div>
      <div className="stat-grid campaign-stats">
        <Stat label="Waiting" value={p.waiting} note="not called yet" />
        <Stat label="Dialing" value={p.dialing} />
        <Stat label="In call" value={p.in_call} />
        <Stat label="To retry" value={p.to_retry} />
        <Stat label="Done" value={`${p.done} / ${p.total}`} note={`${donePercent(campaign)}%`} />
        <Stat label="Credits spent" value={Number(p.credits_spent).toLocaleString()} note={`${p.attempts} calls placed`} />
      </div>
      <div className="campaign-outcomes">
        <OutcomeTable title="Final outcomes" rows={finals} empty="No contact is done yet." />
        <OutcomeTable title="Every attempt" rows={attempts} empty="No call has ended yet." />
      </div>
    </section>
  );
}

function OutcomeTable({ title, rows, empty }: { title: string; rows: { outcome: string; label: string; count: number }[]; empty: string }) {
  return (
    <div className="admin-card">
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <table className="pipeline-table admin-table" aria-label={title}>
          <tbody>
            {rows.map((r) => (
              <tr key={r.outcome}>
                <th scope="row">{r.label}</th>
                <td className="num">{r.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function CampaignPage() {
  const id = Number(useParams().id);
  const resource = useResource(() => campaignsApi.get(id));
  const canPlace = useCan(PERMISSIONS.callsPlace);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const shown = resource.data;
  const live = shown !== null && isLive(shown);
  const { reload } = resource;

  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(reload, POLL_MS);
    return () => window.clearInterval(timer);
  }, [live, reload]);

  if (resource.error && !shown) {
    return (
      <div className="page">
        <div className="alert alert-error" role="alert">
          {resource.error}
        </div>
      </div>
    );
  }
  if (!shown) {
    return (
      <div className="loading" role="status">
        <div className="spinner" aria-label="Loading" />
      </div>
    );
  }

  const act = async (action: CampaignAction) => {
    try {
      await campaignsApi.act(shown.id, action);
      showToast(`Campaign ${action === "cancel" ? "cancelled" : action === "start" ? "started" : `${action}d`}`);
    } catch (e) {
      showToast(errorMessage(e), "error");
    }
    reload();
  };
  const actions = canPlace ? actionsFor(shown.status, shown.progress.total > 0) : [];

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <p className="campaign-crumb">
            <Link to="/campaigns">Campaigns</Link>
          </p>
          <h1>
            {shown.name} <StatusBadge status={shown.status} />
          </h1>
          <p>
            {shown.pipeline_name}
            {shown.pinned_version !== null ? ` v${shown.pinned_version}` : " (latest version)"} · from {shown.caller_numbers.join(", ")} · up to {shown.effective_concurrency} calls at once · voicemail: {voicemailLabel(shown.answering_machine)}
          </p>
        </div>
        <div className="admin-actions">
          {actions.map((action) => (
            <button
              key={action}
              type="button"
              className={`btn ${action === "start" || action === "resume" ? "btn-primary" : action === "cancel" ? "btn-danger" : ""}`}
              onClick={() => (action === "cancel" ? setConfirmCancel(true) : void act(action))}
            >
              {ACTION_LABELS[action]}
            </button>
          ))}
        </div>
      </div>
      {shown.status_reason && shown.status !== "running" && (
        <div className={`alert campaign-status ${shown.status_reason.startsWith("Circuit breaker") ? "alert-error" : "alert-info"}`} role="status">
          {shown.status_reason}
        </div>
      )}
      {shown.status === "draft" && canPlace && <ContactsImport campaignId={shown.id} onImported={reload} />}
      {shown.import_report && <ImportReportView report={shown.import_report} title="Last import" />}
      <Progress campaign={shown} />
      {confirmCancel && (
        <ConfirmDialog
          title="Cancel this campaign?"
          message="No more calls are placed; contacts still waiting end as cancelled. Calls in progress finish. This cannot be undone."
          confirmLabel="Cancel campaign"
          danger
          onConfirm={() => act("cancel")}
          onClose={() => setConfirmCancel(false)}
        />
      )}
    </div>
  );
}

function voicemailLabel(mode: string): string {
  if (mode === "detect") return "detected";
  if (mode === "ignore") return "not detected";
  return "detected when the pipeline has a Voicemail branch";
}
