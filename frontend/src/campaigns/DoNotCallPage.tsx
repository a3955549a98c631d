/** The workspace's do-not-call list: numbers no campaign calls (refused at import and before
 * each dial). Everyone reads it; owners and admins (who place calls) add and remove numbers. */
import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { errorMessage } from "../api/client";
import { PERMISSIONS, useCan } from "../app/session";
import { dateTime } from "../ui/format";
import { DeleteButton, DeleteConfirm, RowActions } from "../admin/controls";
import { AdminTable } from "../admin/components/AdminTable";
import { FormAlert, InputField } from "../admin/Field";
import { campaignsApi, pastedNumbers, type DoNotCallAdded, type DoNotCallEntry } from "./campaignsApi";
import { CampaignsNav } from "./CampaignsNav";
import "./campaigns.css";

const SEARCH_DEBOUNCE_MS = 250;

/** The entries matching `search`; the last answer stays, with the search it answers, until the next. */
function useDoNotCallList(search: string) {
  const [shown, setShown] = useState<{ search: string; entries: DoNotCallEntry[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reloadKey, setReloadKey] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(
      () => {
        campaignsApi.doNotCall(search.trim(), controller.signal).then(
          (entries) => {
            if (controller.signal.aborted) return;
            setShown({ search, entries });
            setError(null);
          },
          (e: unknown) => {
            if (!controller.signal.aborted) setError(errorMessage(e));
          },
        );
      },
      search ? SEARCH_DEBOUNCE_MS : 0,
    );
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [search, reloadKey]);
  const reload = useCallback(() => setReloadKey((k) => k + 1), []);
  return { entries: shown?.entries ?? null, shownSearch: shown?.search ?? "", loading: shown === null || shown.search !== search, error, reload };
}

function addedSummary(result: DoNotCallAdded): string {
  const parts = [`${result.added} ${result.added === 1 ? "number" : "numbers"} added`];
  if (result.already_listed > 0) parts.push(`${result.already_listed} already on the list`);
  return `${parts.join(", ")}.`;
}

function AddNumbersForm({ onAdded }: { onAdded: () => void }) {
  const numbersId = useId();
  const [text, setText] = useState("");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<DoNotCallAdded | null>(null);
  const numbers = pastedNumbers(text);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const added = await campaignsApi.addDoNotCall({ numbers, note: note.trim() });
      setResult(added);
      // The refused numbers stay in the box to be corrected; the others are on the list.
      setText(added.rejected.map((row) => row.number).join("\n"));
      if (added.rejected.length === 0) setNote("");
      onAdded();
    } catch (e) {
      setError(errorMessage(e));
    }
    setBusy(false);
  };

  return (
    <form className="admin-card" aria-label="Add numbers" onSubmit={(e) => void submit(e)} noValidate>
      <h2>Add numbers</h2>
      <FormAlert message={error} />
      <div className="field">
        <label className="field-label" htmlFor={numbersId}>
          Numbers
        </label>
        <textarea
          id={numbersId}
          className="textarea mono"
          rows={6}
          value={text}
          placeholder={"+12125550100\n+33 6 12 34 56 78"}
          aria-describedby={`${numbersId}-help`}
          onChange={(e) => {
            setText(e.target.value);
            setResult(null);
          }}
        />
        <span className="field-help" id={`${numbersId}-help`}>
          One a line, or pasted from a spreadsheet's column. Write each with its country code (+1, +44…).
        </span>
      </div>
      <InputField label="Note" value={note} onChange={setNote} placeholder="e.g. asked not to be called, 3 Dec" help="Why they are on the list, for whoever reads it later." />
      <button type="submit" className="btn btn-primary" disabled={busy || numbers.length === 0}>
        {busy ? "Adding…" : numbers.length > 1 ? `Add ${numbers.length} numbers` : "Add number"}
      </button>
      {result && (
        <div role="status" style={{ marginTop: 12 }}>
          <p className="strong" style={{ margin: 0 }}>
            {addedSummary(result)}
          </p>
        </div>
      )}
      {result && result.rejected.length > 0 && (
        <div className="alert alert-error" role="alert" style={{ marginTop: 10 }}>
          {result.rejected.length === 1 ? "1 line was not added" : `${result.rejected.length} lines were not added`} (left above, to correct):
          <ul className="dnc-rejected">
            {result.rejected.map((row) => (
              <li key={row.row}>{row.message}</li>
            ))}
          </ul>
        </div>
      )}
    </form>
  );
}

export function DoNotCallPage() {
  const canEdit = useCan(PERMISSIONS.callsPlace);
  const [search, setSearch] = useState("");
  const list = useDoNotCallList(search);
  const [removing, setRemoving] = useState<DoNotCallEntry | null>(null);

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Do not call</h1>
          <p>Numbers no campaign calls: refused when contacts are imported, and skipped before each call if added later.</p>
        </div>
      </div>
      <CampaignsNav />
      <div className={canEdit ? "dnc-layout" : undefined}>
        {canEdit && <AddNumbersForm onAdded={list.reload} />}
        <section aria-label="The list">
          <div className="toolbar-row">
            <input className="input" style={{ width: 280 }} type="search" placeholder="Search numbers or notes" aria-label="Search the list" value={search} onChange={(e) => setSearch(e.target.value)} />
            {list.entries && !list.loading && (
              <span className="muted" data-testid="dnc-count">
                {list.entries.length === 1 ? "1 number" : `${list.entries.length} numbers`}
              </span>
            )}
          </div>
          {!canEdit && <p className="muted">Owners and admins add and remove numbers.</p>}
          {list.error && (
            <div className="alert alert-error" role="alert">
              {list.error}
            </div>
          )}
          {list.entries?.length === 0 && (
            <div className="empty-state" aria-busy={list.loading}>
              <h2>{list.shownSearch ? `Nothing on the list matches “${list.shownSearch}”` : "No number on the list"}</h2>
              {!list.shownSearch && <p>Add the numbers of people who asked not to be called.</p>}
            </div>
          )}
          {list.entries && list.entries.length > 0 && (
            <div aria-busy={list.loading}>
              <AdminTable columns={["Number", "Note", "Added"]} actions={canEdit}>
                {list.entries.map((entry) => (
                  <tr key={entry.e164}>
                    <td className="mono">{entry.e164}</td>
                    <td>{entry.note || <span className="muted">—</span>}</td>
                    <td className="muted">{dateTime(entry.created_at)}</td>
                    {canEdit && (
                      <RowActions>
                        <DeleteButton name={entry.e164} verb="Remove" label onClick={() => setRemoving(entry)} />
                      </RowActions>
                    )}
                  </tr>
                ))}
              </AdminTable>
            </div>
          )}
        </section>
      </div>
      {removing && (
        <DeleteConfirm
          title={`Remove ${removing.e164}?`}
          message="Campaigns may call this number again: contacts imported from now on, and those waiting for their call."
          confirmLabel="Remove from the list"
          remove={() => campaignsApi.removeDoNotCall(removing.e164)}
          onDone={list.reload}
          onClose={() => setRemoving(null)}
        />
      )}
    </div>
  );
}
