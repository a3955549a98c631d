/** Voice models: what each configuration does, its usage, a connection test, the default LLM. */
import { useState } from "react";
import { useCan } from "../app/session";
import { adminApi, type ConnectionResult, type VoiceModel } from "./api";
import { AdminSection, LoadState, loadedEmpty } from "./AdminSection";
import { KIND_LABELS, providerLabel } from "./providerPresets";
import { useResource } from "./useResource";
import { VoiceModelDialog } from "./VoiceModelDialog";
import { DeleteButton, DeleteConfirm, EditButton, RowActions } from "./controls";
import { AdminTable } from "./components/AdminTable";
import { NewButton } from "./components/NewButton";
import { runWithToast } from "./components/runWithToast";
import { useEditor } from "./components/useEditor";

const count = (value: string) => Number(value).toLocaleString("en-US", { maximumFractionDigits: 0 });

export function VoiceModelsPage() {
  const canManage = useCan("voice_models.manage");
  const models = useResource(adminApi.voiceModels);
  const editor = useEditor<VoiceModel>(models.reload);
  const { deleting } = editor;
  const [testing, setTesting] = useState<number | null>(null);
  const [results, setResults] = useState<Record<number, ConnectionResult>>({});

  const test = async (m: VoiceModel) => {
    setTesting(m.id);
    await runWithToast(async () => {
      const result = await adminApi.testVoiceModel(m.id);
      setResults((r) => ({ ...r, [m.id]: result }));
    });
    setTesting(null);
  };
  const makeDefault = async (m: VoiceModel) => {
    if (await runWithToast(() => adminApi.makeDefault(m.id), `${m.name} is now the workspace's default language model`)) models.reload();
  };

  return (
    <AdminSection
      title="Voice models"
      description="Speech-to-text, text-to-speech and language models, with their keys. Usage is counted per configuration."
      action={canManage && !loadedEmpty(models) && <NewButton label="Add a voice model" onClick={editor.startNew} />}
    >
      {!canManage && (
        <div className="alert alert-info read-only-note" role="note">
          Read only: owners and admins add and change voice models.
        </div>
      )}
      <LoadState
        resource={models}
        empty={{ title: "No voice model yet", text: canManage ? "Calls use the local offline voices until you add one. Add a language model first (OpenAI, Anthropic, or a local server such as llama.cpp) for agent nodes." : "An admin has not added any voice model yet: calls use the local offline voices.", ...(canManage ? { action: "Add a voice model", onAction: editor.startNew } : {}) }}
      >
        {(list) => (
          <AdminTable columns={["Voice model", "Provider", { label: "Today", numeric: true }, { label: "This month", numeric: true }, { label: "All time", numeric: true }, canManage && "Connection"]} actions={canManage}>
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
                        <EditButton name={m.name} onClick={() => editor.edit(m)} />
                        <DeleteButton name={m.name} onClick={() => editor.askDelete(m)} />
                    </RowActions>
                  )}
                </tr>
              );
            })}
          </AdminTable>
        )}
      </LoadState>
      {editor.editing && <VoiceModelDialog model={editor.edited} onClose={editor.close} onSaved={editor.savedWith("Voice model saved")} />}
      {deleting && (
        <DeleteConfirm
          title={`Delete ${deleting.name}?`}
          message="Numbers that use it fall back to the local voices or the workspace's default language model. Its usage stays in the ledger."
          confirmLabel="Delete voice model"
          remove={() => adminApi.deleteVoiceModel(deleting.id)}
          onDone={models.reload}
          onClose={editor.closeDelete}
        />
      )}
    </AdminSection>
  );
}
