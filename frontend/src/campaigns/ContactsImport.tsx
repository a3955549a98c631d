/** A draft campaign's contacts: a CSV read, checked (every rejected row with its reason), imported. */
import { useState } from "react";
import { errorMessage } from "../api/client";
import { showToast } from "../ui/toasts";
import { campaignsApi, type ImportReport } from "./campaignsApi";
import { REJECTION_LABELS } from "./progress";

export function ImportReportView({ report, title }: { report: ImportReport; title: string }) {
  return (
    <section className="admin-card campaign-report" aria-label={title}>
      <h2>{title}</h2>
      <p>
        <span className="strong">{report.accepted}</span> of {report.total_rows} rows accepted
        {report.rejected.length > 0 && (
          <>
            , <span className="strong">{report.rejected.length}</span> rejected
          </>
        )}
        .
        {report.required_variables.length > 0 && (
          <>
            {" "}
            Each contact gives {report.required_variables.map((v) => <code key={v}>{v}</code>).reduce<React.ReactNode[]>((acc, el, i) => (i ? [...acc, ", ", el] : [el]), [])}, which the pipeline reads.
          </>
        )}
      </p>
      {report.rejected.length > 0 && (
        <table className="pipeline-table admin-table" aria-label="Rejected rows">
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Number</th>
              <th scope="col">Problem</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {report.rejected.map((r) => (
              <tr key={`${r.row}-${r.reason}`}>
                <td className="num">{r.row}</td>
                <td className="mono">{r.number || "—"}</td>
                <td>
                  <span className="badge badge-danger">{REJECTION_LABELS[r.reason] ?? r.reason}</span>
                </td>
                <td>{r.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function ContactsImport({ campaignId, onImported }: { campaignId: number; onImported: () => void }) {
  const [csv, setCsv] = useState("");
  const [fileName, setFileName] = useState("");
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const readFile = async (file: File | undefined) => {
    if (!file) return;
    setFileName(file.name);
    setReport(null);
    setCsv(await file.text());
  };
  const run = async (commit: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const answer = commit ? await campaignsApi.importContacts(campaignId, csv) : await campaignsApi.checkContacts(campaignId, csv);
      setReport(answer);
      if (commit) {
        showToast(`${answer.accepted} contacts imported`);
        setCsv("");
        setFileName("");
        setReport(null);
        onImported();
      }
    } catch (e) {
      setError(errorMessage(e));
    }
    setBusy(false);
  };

  return (
    <section className="admin-card" aria-label="Import contacts">
      <h2>Contacts</h2>
      <p className="field-help">
        A CSV file with a header row: a <code>number</code> column (E.164, e.g. +12125550100), an optional <code>time_zone</code>, and one column per variable the pipeline reads.
      </p>
      <div className="field">
        <label className="field-label" htmlFor="campaign-csv">
          CSV file
        </label>
        <input id="campaign-csv" type="file" accept=".csv,text/csv,text/plain" onChange={(e) => void readFile(e.target.files?.[0])} />
        {fileName && <span className="field-help">{fileName}</span>}
      </div>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      {report && <ImportReportView report={report} title="Validation report" />}
      <div className="admin-actions">
        <button type="button" className="btn" disabled={busy || !csv} onClick={() => void run(false)}>
          Check contacts
        </button>
        <button type="button" className="btn btn-primary" disabled={busy || !report || report.accepted === 0} onClick={() => void run(true)}>
          {report ? `Import ${report.accepted} contacts` : "Import contacts"}
        </button>
      </div>
    </section>
  );
}
