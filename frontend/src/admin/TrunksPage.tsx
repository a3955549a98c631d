/** Telephony → Trunks: sync state with its error in the list, usage, Sync now, create and edit. */
import { useState } from "react";
import { Icon } from "../ui/Icon";
import { adminApi, type Trunk } from "./api";
import { AdminSection, LoadState, loadedEmpty } from "./AdminSection";
import { SyncBadge } from "./SyncBadge";
import { TestCallDialog } from "./TestCallDialog";
import { TrunkDialog } from "./TrunkDialog";
import { useResource } from "./useResource";
import { DeleteButton, DeleteConfirm, EditButton, RowActions } from "./controls";
import { AdminTable } from "./components/AdminTable";
import { NewButton } from "./components/NewButton";
import { runWithToast } from "./components/runWithToast";
import { useEditor } from "./components/useEditor";

const DIRECTIONS = { both: "Inbound and outbound", inbound: "Inbound", outbound: "Outbound" } as const;

export function TrunksPage() {
  const trunks = useResource(adminApi.trunks);
  const numbers = useResource(adminApi.numbers);
  const editor = useEditor<Trunk>(trunks.reload);
  const { deleting } = editor;
  const [testing, setTesting] = useState<Trunk | null>(null);
  const [syncing, setSyncing] = useState<number | null>(null);

  const sync = async (trunk: Trunk) => {
    setSyncing(trunk.id);
    if (await runWithToast(() => adminApi.syncTrunk(trunk.id), `Syncing ${trunk.name} with LiveKit`)) trunks.reload();
    setSyncing(null);
  };

  return (
    <AdminSection
      title="Trunks"
      description="The SIP trunks of your carriers. Numbers go through a trunk."
      action={!loadedEmpty(trunks) && <NewButton label="New trunk" onClick={editor.startNew} />}
    >
      <LoadState resource={trunks} empty={{ title: "No trunk yet", text: "Add your carrier's SIP trunk first (Twilio, Telnyx, Plivo, Vonage, Exotel, Vobiz or any SIP provider); then give it numbers.", action: "New trunk", onAction: editor.startNew }}>
        {(list) => (
          <AdminTable columns={["Trunk", "LiveKit", "Numbers", { label: "Calls now", numeric: true }, { label: "Calls today", numeric: true }]} actions>
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
                    <EditButton name={t.name} onClick={() => editor.edit(t)} />
                    <DeleteButton name={t.name} onClick={() => editor.askDelete(t)} />
                </RowActions>
              </tr>
            ))}
          </AdminTable>
        )}
      </LoadState>
      {editor.editing && <TrunkDialog trunk={editor.edited} onClose={editor.close} onSaved={editor.savedWith("Trunk saved; syncing with LiveKit")} />}
      {testing && <TestCallDialog trunk={testing} numbers={numbers.data ?? []} onClose={() => setTesting(null)} />}
      {deleting && (
        <DeleteConfirm
          title={`Delete ${deleting.name}?`}
          message={deleting.numbers.length ? `Its numbers (${deleting.numbers.join(", ")}) stay, without a trunk: they take no calls until you give them another.` : "It is removed from LiveKit too."}
          confirmLabel="Delete trunk"
          remove={() => adminApi.deleteTrunk(deleting.id)}
          onDone={trunks.reload}
          onClose={editor.closeDelete}
        />
      )}
    </AdminSection>
  );
}
