/** Telephony → Trunks: sync state with its error in the list, usage, Sync now, create and edit. */
import { useState } from "react";
import { errorMessage } from "../api/client";
import { Icon } from "../ui/Icon";
import { showToast } from "../ui/toasts";
import { adminApi, type Trunk } from "./api";
import { AdminSection, LoadState } from "./AdminSection";
import { SyncBadge } from "./SyncBadge";
import { TestCallDialog } from "./TestCallDialog";
import { TrunkDialog } from "./TrunkDialog";
import { useResource } from "./useResource";
import { ActionsHeader, DeleteButton, DeleteConfirm, EditButton, RowActions } from "./controls";

const DIRECTIONS = { both: "Inbound and outbound", inbound: "Inbound", outbound: "Outbound" } as const;

export function TrunksPage() {
  const trunks = useResource(adminApi.trunks);
  const numbers = useResource(adminApi.numbers);
  const [editing, setEditing] = useState<Trunk | "new" | null>(null);
  const [deleting, setDeleting] = useState<Trunk | null>(null);
  const [testing, setTesting] = useState<Trunk | null>(null);
  const [syncing, setSyncing] = useState<number | null>(null);

  const sync = async (trunk: Trunk) => {
    setSyncing(trunk.id);
    try {
      await adminApi.syncTrunk(trunk.id);
      showToast(`Syncing ${trunk.name} with LiveKit`);
      trunks.reload();
    } catch (e) {
      showToast(errorMessage(e), "error");
    }
    setSyncing(null);
  };

  return (
    <AdminSection
      title="Trunks"
      description="The SIP trunks of your carriers. Numbers go through a trunk."
      action={
        <button type="button" className="btn btn-primary" onClick={() => setEditing("new")}>
          <Icon name="plus" /> New trunk
        </button>
      }
    >
      <LoadState resource={trunks} empty={{ title: "No trunk yet", text: "Add your carrier's SIP trunk first (Twilio, Telnyx, Plivo, Vonage, Exotel, Vobiz or any SIP provider); then give it numbers.", action: "New trunk", onAction: () => setEditing("new") }}>
        {(list) => (
          <table className="pipeline-table admin-table">
            <thead>
              <tr>
                <th scope="col">Trunk</th>
                <th scope="col">LiveKit</th>
                <th scope="col">Numbers</th>
                <th scope="col" className="num">Calls now</th>
                <th scope="col" className="num">Calls today</th>
                <ActionsHeader />
              </tr>
            </thead>
            <tbody>
              {list.map((t) => (
                <tr key={t.id}>
                  <td>
                    <div className="strong">{t.name}</div>
                    <div className="muted">
                      {DIRECTIONS[t.direction]}
                      {t.address ? ` · ${t.address} (${t.transport.toUpperCase()})` : ""} · up to {t.max_concurrent_calls} calls
                    </div>
                  </td>
                  <td className="wrap">
                    <SyncBadge status={t.sync_status} error={t.sync_error} />
                  </td>
                  <td>{t.numbers.length ? t.numbers.join(", ") : <span className="muted">none</span>}</td>
                  <td className="num">{t.calls_active}</td>
                  <td className="num">{t.calls_today}</td>
                  <RowActions>
                      <button type="button" className="btn btn-sm" onClick={() => void sync(t)} disabled={syncing === t.id}>
                        <Icon name="refresh" /> {syncing === t.id ? "Syncing…" : "Sync now"}
                      </button>
                      <button type="button" className="btn btn-sm" onClick={() => setTesting(t)}>
                        <Icon name="phone" /> Test call
                      </button>
                      <EditButton name={t.name} onClick={() => setEditing(t)} />
                      <DeleteButton name={t.name} onClick={() => setDeleting(t)} />
                  </RowActions>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadState>
      {editing && (
        <TrunkDialog
          trunk={editing === "new" ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            showToast("Trunk saved; syncing with LiveKit");
            trunks.reload();
          }}
        />
      )}
      {testing && <TestCallDialog trunk={testing} numbers={numbers.data ?? []} onClose={() => setTesting(null)} />}
      {deleting && (
        <DeleteConfirm
          title={`Delete ${deleting.name}?`}
          message={deleting.numbers.length ? `Its numbers (${deleting.numbers.join(", ")}) stay, without a trunk: they take no calls until you give them another.` : "It is removed from LiveKit too."}
          confirmLabel="Delete trunk"
          remove={() => adminApi.deleteTrunk(deleting.id)}
          onDone={trunks.reload}
          onClose={() => setDeleting(null)}
        />
      )}
    </AdminSection>
  );
}
