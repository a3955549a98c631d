/** Voice models: what each configuration does, its usage, a connection test, the default LLM. */
import { useState } from "react";
import { errorMessage } from "../api/client";
import { useCan } from "../app/session";
import { Icon } from "../ui/Icon";
import { showToast } from "../ui/toasts";
import { adminApi, type ConnectionResult, type VoiceModel } from "./api";
import { AdminSection, LoadState } from "./AdminSection";
import { KIND_LABELS, providerLabel } from "./providerPresets";
import { useResource } from "./useResource";
import { VoiceModelDialog } from "./VoiceModelDialog";
import { ActionsHeader, DeleteButton, DeleteConfirm, EditButton, RowActions } from "./controls";

const count = (value: string) => Number(value).toLocaleString("en-US", { maximumFractionDigits: 0 });

export function VoiceModelsPage() {
  const canManage = useCan("voice_models.manage");
  const models = useResource(adminApi.voiceModels);
  const [editing, setEditing] = useState<VoiceModel | "new" | null>(null);
  const [deleting, setDeleting] = useState<VoiceModel | null>(null);
  const [testing, setTesting] = useState<number | null>(null);
  const [results, setResults] = useState<Record<number, ConnectionResult>>({});

  const test = async (m: VoiceModel) => {
    setTesting(m.id);
    try {
      const result = await adminApi.testVoiceModel(m.id);
      setResults((r) => ({ ...r, [m.id]: result }));
    } catch (e) {
      showToast(errorMessage(e), "error");
    }
    setTesting(null);
  };
  const makeDefault = async (m: VoiceModel) => {
    try {
      await adminApi.makeDefault(m.id);
      showToast(`${m.name} is now the workspace's default language model`);
      models.reload();
    } catch (e) {
      showToast(errorMessage(e), "error");
    }
  };

  return (
    <AdminSection
      title="Voice models"
      description="Speech-to-text, text-to-speech and language models, with their keys. Usage is counted per configuration."
      action={
        canManage && (
          <button type="button" className="btn btn-primary" onClick={() => setEditing("new")}>
            <Icon name="plus" /> Add a voice model
          </button>
        )
      }
    >
      {!canManage && (
        <div className="alert alert-info read-only-note" role="note">
          Read only: owners and admins add and change voice models.
        </div>
      )}
      <LoadState
        resource={models}
        empty={{ title: "No voice model yet", text: canManage ? "Calls use the local offline voices until you add one. Add a language model first (OpenAI, Anthropic, or a local server such as llama.cpp) for agent nodes." : "An admin has not added any voice model yet: calls use the local offline voices.", ...(canManage ? { action: "Add a voice model", onAction: () => setEditing("new") } : {}) }}
      >
        {(list) => (
          <table className="pipeline-table admin-table">
            <thead>
              <tr>
                <th scope="col">Voice model</th>
                <th scope="col">Provider</th>
                <th scope="col" className="num">Today</th>
                <th scope="col" className="num">This month</th>
                <th scope="col" className="num">All time</th>
                {canManage && <th scope="col">Connection</th>}
                {canManage && <ActionsHeader />}
              </tr>
            </thead>
            <tbody>
              {list.map((m) => {
                const result = results[m.id];
                return (
                  <tr key={m.id}>
                    <td>
                      <div className="strong">
                        {m.name} {m.is_default && <span className="badge badge-accent">workspace default</span>} {!m.enabled && <span className="badge">disabled</span>}
                      </div>
                      <div className="muted">
                        {KIND_LABELS[m.kind]}
                        {m.model && ` · ${m.model}`}
                        {m.voice && ` · voice ${m.voice}`}
                      </div>
                    </td>
                    <td>
                      {providerLabel(m.provider, m.has_api_key)}
                      <div className="muted">{m.base_url || (m.provider.startsWith("local_") ? "offline" : m.has_api_key ? "key set" : "no key")}</div>
                    </td>
                    <td className="num">{count(m.usage.today)}</td>
                    <td className="num">{count(m.usage.month)}</td>
                    <td className="num">
                      {count(m.usage.total)} <span className="muted">{m.usage.unit}</span>
                    </td>
                    {canManage && (
                      <td className="wrap" aria-live="polite">
                        {result ? (
                          <span className={result.ok ? "result-ok" : "result-bad"}>
                            {result.ok ? "✓ " : "✗ "}
                            {result.message} · {Math.round(result.ms)} ms
                          </span>
                        ) : (
                          <span className="muted">not tested</span>
                        )}
                      </td>
                    )}
                    {canManage && (
                      <RowActions>
                          <button type="button" className="btn btn-sm" onClick={() => void test(m)} disabled={testing === m.id}>
                            {testing === m.id ? "Testing…" : "Test connection"}
                          </button>
                          {m.kind === "llm" && !m.is_default && (
                            <button type="button" className="btn btn-sm" onClick={() => void makeDefault(m)}>
                              Make default
                            </button>
                          )}
                          <EditButton name={m.name} onClick={() => setEditing(m)} />
                          <DeleteButton name={m.name} onClick={() => setDeleting(m)} />
                      </RowActions>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </LoadState>
      {editing && (
        <VoiceModelDialog
          model={editing === "new" ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            showToast("Voice model saved");
            models.reload();
          }}
        />
      )}
      {deleting && (
        <DeleteConfirm
          title={`Delete ${deleting.name}?`}
          message="Numbers that use it fall back to the local voices or the workspace's default language model. Its usage stays in the ledger."
          confirmLabel="Delete voice model"
          remove={() => adminApi.deleteVoiceModel(deleting.id)}
          onDone={models.reload}
          onClose={() => setDeleting(null)}
        />
      )}
    </AdminSection>
  );
}
