import { useState } from "react";
import { useNavigate } from "react-router";
import { errorMessage } from "../api/client";
import { pipelinesApi } from "../api/pipelines";
import type { PipelineDetail, PipelineSummary } from "../api/types";
import { PERMISSIONS, useCan } from "../app/session";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { Icon } from "../ui/Icon";
import { showToast } from "../ui/toasts";
import { CreatePipelineDialog } from "./CreatePipelineDialog";
import { downloadExport } from "./importExport";
import { PipelineRow, type RowActions } from "./PipelineRow";
import { RenamePipelineDialog } from "./RenamePipelineDialog";
import { useImportPipeline } from "./useImportPipeline";
import { usePipelineList } from "./usePipelineList";

type Modal = { kind: "create" } | { kind: "rename"; pipeline: PipelineSummary } | { kind: "delete"; pipeline: PipelineSummary } | null;

/** Home: the workspace's pipelines, with create, search and the per-row actions. */
export function PipelinesPage() {
  const [search, setSearch] = useState("");
  const [modal, setModal] = useState<Modal>(null);
  const { pipelines, shownSearch, loading, error, reload } = usePipelineList(search);
  const canEdit = useCan(PERMISSIONS.pipelinesEdit);
  const navigate = useNavigate();
  const { chooseFile, fileInput } = useImportPipeline();
  const open = (p: PipelineDetail) => navigate(`/pipelines/${p.id}`);

  const actions: RowActions = {
    rename: (pipeline) => setModal({ kind: "rename", pipeline }),
    remove: (pipeline) => setModal({ kind: "delete", pipeline }),
    duplicate: async (pipeline) => {
      try {
        const copy = await pipelinesApi.duplicate(pipeline.id);
        showToast(`Duplicated as “${copy.name}”`);
        reload();
      } catch (e) {
        showToast(errorMessage(e), "error");
      }
    },
    exportJson: (pipeline) => downloadExport(pipeline.id).catch((e: unknown) => showToast(errorMessage(e), "error")),
  };

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Pipelines</h1>
          <p>Call flows that answer your numbers. Draw them, test them by chat, publish them.</p>
        </div>
        {canEdit && (
          <div style={{ display: "flex", gap: 8 }}>
            <button type="button" className="btn" onClick={chooseFile}>
              <Icon name="upload" /> Import
            </button>
            {fileInput}
            <button type="button" className="btn btn-primary" onClick={() => setModal({ kind: "create" })}>
              <Icon name="plus" /> New pipeline
            </button>
          </div>
        )}
      </div>

      <div className="toolbar-row">
        <div className="search-input" style={{ width: 320 }}>
          <Icon name="search" />
          <input
            className="input"
            type="search"
            placeholder="Search pipelines"
            aria-label="Search pipelines"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        {pipelines && <span className="muted">{pipelines.length === 1 ? "1 pipeline" : `${pipelines.length} pipelines`}</span>}
      </div>

      {error && (
        <div className="alert alert-error" role="alert" style={{ marginBottom: 12 }}>
          {error}
        </div>
      )}
      {pipelines === null && !error && <div className="spinner" role="status" aria-label="Loading pipelines" />}
      {pipelines?.length === 0 &&
        (shownSearch ? (
          <div className="empty-state">
            <h2>No pipeline matches “{shownSearch}”</h2>
            <p>Try another name.</p>
          </div>
        ) : (
          <div className="empty-state">
            <h2>No pipelines yet</h2>
            <p>A pipeline is the flow a call follows: greet, understand, answer, transfer.</p>
            {canEdit && (
              <button type="button" className="btn btn-primary" onClick={() => setModal({ kind: "create" })}>
                <Icon name="plus" /> Create your first pipeline
              </button>
            )}
          </div>
        ))}
      {pipelines && pipelines.length > 0 && (
        <table className="pipeline-table" aria-busy={loading}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Edited</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {pipelines.map((p) => (
              <PipelineRow key={p.id} pipeline={p} actions={actions} canEdit={canEdit} />
            ))}
          </tbody>
        </table>
      )}

      {modal?.kind === "create" && <CreatePipelineDialog onClose={() => setModal(null)} onCreated={open} />}
      {modal?.kind === "rename" && <RenamePipelineDialog pipeline={modal.pipeline} onClose={() => setModal(null)} onSaved={reload} />}
      {modal?.kind === "delete" && (
        <ConfirmDialog
          title={`Delete “${modal.pipeline.name}”?`}
          message={
            modal.pipeline.numbers.length > 0
              ? `It answers ${modal.pipeline.numbers.join(", ")}; move those numbers to another pipeline first.`
              : "Its draft and all its published versions will be removed. This cannot be undone."
          }
          confirmLabel="Delete pipeline"
          danger
          onConfirm={async () => {
            await pipelinesApi.remove(modal.pipeline.id);
            showToast(`Deleted “${modal.pipeline.name}”`);
            reload();
          }}
          onClose={() => setModal(null)}
        />
      )}
    </div>
  );
}
