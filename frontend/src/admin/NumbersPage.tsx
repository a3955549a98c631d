/** Telephony → Numbers: what each number runs, on which trunk, its live calls. */
import { useState } from "react";
import { Icon } from "../ui/Icon";
import { showToast } from "../ui/toasts";
import { adminApi, type PhoneNumber } from "./api";
import { AdminSection, LoadState } from "./AdminSection";
import { NumberDialog } from "./NumberDialog";
import { SyncBadge } from "./SyncBadge";
import { useResource } from "./useResource";
import { pipelinesApi } from "../api/pipelines";
import { ActionsHeader, DeleteButton, DeleteConfirm, EditButton, RowActions } from "./controls";

export function NumbersPage() {
  const numbers = useResource(adminApi.numbers);
  const trunks = useResource(adminApi.trunks);
  const voiceModels = useResource(adminApi.voiceModels);
  const pipelines = useResource(() => pipelinesApi.list());
  const [editing, setEditing] = useState<PhoneNumber | "new" | null>(null);
  const [deleting, setDeleting] = useState<PhoneNumber | null>(null);
  const trunkName = (id: number | null) => trunks.data?.find((t) => t.id === id)?.name;
  const pipelineName = (id: number | null) => pipelines.data?.find((p) => p.id === id)?.name;
  const modelName = (id: number | null) => voiceModels.data?.find((m) => m.id === id)?.name;

  return (
    <AdminSection
      title="Numbers"
      description="Each number arrives on a trunk and is answered by a published pipeline."
      action={
        <button type="button" className="btn btn-primary" onClick={() => setEditing("new")}>
          <Icon name="plus" /> New number
        </button>
      }
    >
      <LoadState resource={numbers} empty={{ title: "No number yet", text: trunks.data?.length ? "Add the first number your callers dial, and choose the pipeline that answers it." : "Add a trunk first (Trunks → New trunk), then the numbers that arrive on it.", action: "New number", onAction: () => setEditing("new") }}>
        {(list) => (
          <table className="pipeline-table admin-table">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Trunk</th>
                <th scope="col">Pipeline</th>
                <th scope="col">Voice</th>
                <th scope="col">LiveKit</th>
                <th scope="col" className="num">Live calls</th>
                <ActionsHeader />
              </tr>
            </thead>
            <tbody>
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
                    <EditButton name={n.e164} onClick={() => setEditing(n)} />
                    <DeleteButton name={n.e164} onClick={() => setDeleting(n)} />
                  </RowActions>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadState>
      {editing && (
        <NumberDialog
          number={editing === "new" ? null : editing}
          trunks={trunks.data ?? []}
          voiceModels={voiceModels.data ?? []}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            showToast("Number saved; syncing with LiveKit");
            numbers.reload();
          }}
        />
      )}
      {deleting && (
        <DeleteConfirm
          title={`Delete ${deleting.e164}?`}
          message="Callers who dial it are no longer answered. Its call history stays."
          confirmLabel="Delete number"
          remove={() => adminApi.deleteNumber(deleting.id)}
          onDone={numbers.reload}
          onClose={() => setDeleting(null)}
        />
      )}
    </AdminSection>
  );
}
