/** Telephony → Numbers: what each number runs, on which trunk, its live calls. */
import { adminApi, type PhoneNumber } from "./api";
import { AdminSection, LoadState, loadedEmpty } from "./AdminSection";
import { NumberDialog } from "./NumberDialog";
import { SyncBadge } from "./SyncBadge";
import { useResource } from "./useResource";
import { pipelinesApi } from "../api/pipelines";
import { DeleteButton, DeleteConfirm, EditButton, RowActions } from "./controls";
import { AdminTable } from "./components/AdminTable";
import { NewButton } from "./components/NewButton";
import { useEditor } from "./components/useEditor";

export function NumbersPage() {
  const numbers = useResource(adminApi.numbers);
  const trunks = useResource(adminApi.trunks);
  const voiceModels = useResource(adminApi.voiceModels);
  const pipelines = useResource(() => pipelinesApi.list());
  const editor = useEditor<PhoneNumber>(numbers.reload);
  const { deleting } = editor;
  const trunkName = (id: number | null) => trunks.data?.find((t) => t.id === id)?.name;
  const pipelineName = (id: number | null) => pipelines.data?.find((p) => p.id === id)?.name;
  const modelName = (id: number | null) => voiceModels.data?.find((m) => m.id === id)?.name;

  return (
    <AdminSection
      title="Numbers"
      description="Each number arrives on a trunk and is answered by a published pipeline."
      action={!loadedEmpty(numbers) && <NewButton label="New number" onClick={editor.startNew} />}
    >
      <LoadState resource={numbers} empty={{ title: "No number yet", text: trunks.data?.length ? "Add the first number your callers dial, and choose the pipeline that answers it." : "Add a trunk first (Trunks → New trunk), then the numbers that arrive on it.", action: "New number", onAction: editor.startNew }}>
        {(list) => (
          <AdminTable columns={["Number", "Trunk", "Pipeline", "Voice", "LiveKit", { label: "Live calls", numeric: true }]} actions>
            {list.map((n) => (
              <tr key={n.id}>
                <td>
                  <div className="strong mono">{n.e164}</div>
                  <div className="muted">
                    {n.label || "—"}
                    {!n.enabled && " · disabled"}
                  </div>
                </td>
                <td>{trunkName(n.trunk_id) ?? <span className="muted">none</span>}</td>
                <td>
                  {n.pipeline_id === null ? (
                    <span className="muted">none</span>
                  ) : (
                    <>
                      {pipelineName(n.pipeline_id) ?? `#${n.pipeline_id}`}{" "}
                      <span className={`badge ${n.pinned_version ? "badge-warning" : "badge-accent"}`}>{n.pinned_version ? `pinned v${n.pinned_version}` : "latest"}</span>
                    </>
                  )}
                </td>
                <td className="muted wrap">
                  {[modelName(n.asr_model_id) ?? "local STT", modelName(n.tts_model_id) ?? "local TTS", modelName(n.llm_model_id) ?? "default LLM"].join(" · ")} · {n.language}
                </td>
                <td className="wrap">
                  <SyncBadge status={n.sync_status} error={n.sync_error} />
                </td>
                <td className="num">
                  <span className={n.calls_active ? "badge badge-success" : ""}>{n.calls_active}</span>
                  {n.max_concurrent_calls !== null && <span className="muted"> / {n.max_concurrent_calls}</span>}
                </td>
                <RowActions>
                  <EditButton name={n.e164} onClick={() => editor.edit(n)} />
                  <DeleteButton name={n.e164} onClick={() => editor.askDelete(n)} />
                </RowActions>
              </tr>
            ))}
          </AdminTable>
        )}
      </LoadState>
      {editor.editing && <NumberDialog number={editor.edited} trunks={trunks.data ?? []} voiceModels={voiceModels.data ?? []} onClose={editor.close} onSaved={editor.savedWith("Number saved; syncing with LiveKit")} />}
      {deleting && (
        <DeleteConfirm
          title={`Delete ${deleting.e164}?`}
          message="Callers who dial it are no longer answered. Its call history stays."
          confirmLabel="Delete number"
          remove={() => adminApi.deleteNumber(deleting.id)}
          onDone={numbers.reload}
          onClose={editor.closeDelete}
        />
      )}
    </AdminSection>
  );
}
