/** The pipeline editor: palette, canvas, problems, and one side panel (inspector, test or history). */
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { useRef, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { errorMessage } from "../api/client";
import { pipelinesApi } from "../api/pipelines";
import type { PipelineDetail } from "../api/types";
import { PERMISSIONS, useCan } from "../app/session";
import { downloadExport } from "../pipelines/importExport";
import { useImportPipeline } from "../pipelines/useImportPipeline";
import { showToast } from "../ui/toasts";
import { Canvas } from "./canvas/Canvas";
import { EditorHeader, type SidePanel } from "./EditorHeader";
import { Inspector } from "./inspector/Inspector";
import { Palette } from "./palette/Palette";
import { HelpOverlay } from "./panels/HelpOverlay";
import { ProblemsPanel } from "./panels/ProblemsPanel";
import { VersionsPanel } from "./panels/VersionsPanel";
import { ConflictDialog } from "./saving/ConflictDialog";
import { PublishDialog } from "./saving/PublishDialog";
import { useAutosave } from "./saving/useAutosave";
import { useValidation } from "./saving/useValidation";
import { useGraphStore } from "./store/graphStore";
import { TestsPanel } from "./flowTests/TestsPanel";
import { replayTurns, type ReplayTurn } from "./flowTests/suiteModel";
import { TestPanel } from "./testing/TestPanel";
import { useEditorData } from "./useEditorData";
import { useKeymap } from "./useKeymap";

export default function EditorPage() {
  const id = Number(useParams().id);
  const { pipeline, setPipeline, error } = useEditorData(id);
  if (error) {
    return (
      <div className="page">
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      </div>
    );
  }
  if (!pipeline || pipeline.id !== id) {
    return (
      <div className="loading" role="status">
        <div className="spinner" aria-label="Loading the pipeline" />
      </div>
    );
  }
  return (
    <ReactFlowProvider>
      <Editor key={pipeline.id} pipeline={pipeline} onPipelineChange={setPipeline} />
    </ReactFlowProvider>
  );
}

function Editor({ pipeline, onPipelineChange }: { pipeline: PipelineDetail; onPipelineChange: (p: PipelineDetail) => void }) {
  const canEdit = useCan(PERMISSIONS.pipelinesEdit);
  const canPublish = useCan(PERMISSIONS.pipelinesPublish);
  const canTest = useCan(PERMISSIONS.pipelinesTest);
  const [panel, setPanelState] = useState<SidePanel>("inspector");
  const [dialog, setDialog] = useState<"publish" | "help" | null>(null);
  const [versionsKey, setVersionsKey] = useState(0);
  const [replay, setReplay] = useState<{ turns: ReplayTurn[]; seq: number } | null>(null);
  const autosave = useAutosave(pipeline.id, pipeline.revision, canEdit);
  const paletteSearch = useRef<HTMLInputElement>(null);
  const { chooseFile, fileInput } = useImportPipeline();
  const flow = useReactFlow();
  const navigate = useNavigate();
  const store = useGraphStore.getState();
  useValidation(true);

  const addAtCenter = (type: string) => {
    const pane = document.querySelector(".canvas-wrap")?.getBoundingClientRect();
    const center = pane ? { x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 } : { x: 600, y: 400 };
    const position = flow.screenToFlowPosition(center);
    store.addNode(type, { x: position.x - 120, y: position.y - 50 });
  };

  const replaceGraph = (detail: PipelineDetail) => {
    useGraphStore.getState().load(detail.graph);
    autosave.reset(detail.revision);
    onPipelineChange(detail);
    void flow.fitView({ duration: 200, maxZoom: 1 });
  };

  const flush = canEdit ? autosave.flush : () => Promise.resolve();
  // The test session runs the saved draft: what is on screen is saved before it starts.
  const setPanel = (next: SidePanel) => {
    if (next !== "test") {
      setReplay(null);
      return setPanelState(next);
    }
    flush()
      .catch((e: unknown) => showToast(`The test runs the last saved draft: ${errorMessage(e)}`, "error"))
      .finally(() => setPanelState("test"));
  };

  useKeymap({
    undo: canEdit ? store.undo : undefined,
    redo: canEdit ? store.redo : undefined,
    copy: store.copy,
    cut: canEdit ? store.cut : undefined,
    paste: canEdit ? store.paste : undefined,
    duplicate: canEdit ? store.duplicate : undefined,
    delete: canEdit ? store.deleteSelection : undefined,
    selectAll: store.selectAll,
    deselect: () => store.select([]),
    autoLayout: canEdit ? store.autoLayout : undefined,
    fitView: () => void flow.fitView({ duration: 200, maxZoom: 1 }),
    focusPalette: () => paletteSearch.current?.focus(),
    toggleTest: canTest ? () => setPanel(panel === "test" ? "inspector" : "test") : undefined,
    toggleHelp: () => setDialog((d) => (d === "help" ? null : "help")),
    save: autosave.saveNow,
  });

  const keepMineAsCopy = async () => {
    const mine = useGraphStore.getState().toDocument();
    try {
      const copy = await pipelinesApi.importDocument({
        format: "betool.pipeline",
        schema_version: mine.schema_version,
        name: `${pipeline.name} (my copy)`,
        description: pipeline.description,
        graph: mine,
      });
      showToast(`Your version is saved as “${copy.name}”`);
      void navigate(`/pipelines/${copy.id}`);
    } catch (e) {
      showToast(errorMessage(e), "error");
    }
  };

  return (
    <div className="editor">
      <EditorHeader
        pipeline={pipeline}
        saveState={autosave.state}
        saveError={autosave.error}
        panel={panel}
        canEdit={canEdit}
        canPublish={canPublish}
        canTest={canTest}
        onPanel={setPanel}
        onPublish={() => setDialog("publish")}
        onHelp={() => setDialog("help")}
        onExport={() => void flush().then(() => downloadExport(pipeline.id)).catch((e: unknown) => showToast(errorMessage(e), "error"))}
        onImportFile={chooseFile}
      />
      {fileInput}
      <div className="editor-body">
        <Palette ref={paletteSearch} onAdd={addAtCenter} disabled={!canEdit} />
        <div className="editor-center">
          <div className="canvas-wrap">
            <Canvas readOnly={!canEdit} />
          </div>
          <ProblemsPanel />
        </div>
        {panel === "test" ? (
          <TestPanel key={replay?.seq ?? 0} pipelineId={pipeline.id} beforeReset={flush} onClose={() => setPanel("inspector")} replay={replay?.turns} />
        ) : panel === "tests" ? (
          <TestsPanel
            pipelineId={pipeline.id}
            canEdit={canEdit}
            flush={flush}
            onClose={() => setPanel("inspector")}
            onReplay={(scenario) => {
              setPanel("test");
              setReplay((r) => ({ turns: replayTurns(scenario), seq: (r?.seq ?? 0) + 1 }));
            }}
          />
        ) : panel === "versions" ? (
          <VersionsPanel pipelineId={pipeline.id} canRestore={canEdit} refreshKey={versionsKey} onRestored={replaceGraph} onClose={() => setPanel("inspector")} />
        ) : (
          <Inspector readOnly={!canEdit} />
        )}
      </div>
      {dialog === "help" && <HelpOverlay onClose={() => setDialog(null)} />}
      {dialog === "publish" && (
        <PublishDialog
          pipelineId={pipeline.id}
          flush={flush}
          onClose={() => setDialog(null)}
          onProblems={store.setProblems}
          onPublished={(version) => {
            showToast(`Published version ${version.number}`);
            setVersionsKey((k) => k + 1);
            onPipelineChange({ ...pipeline, has_unpublished_changes: false, published_version: { number: version.number, created_at: version.created_at, note: version.note } });
          }}
        />
      )}
      {autosave.conflict && (
        <ConflictDialog
          conflict={autosave.conflict}
          onReloadTheirs={() => {
            const theirs = autosave.conflict;
            if (!theirs) return;
            useGraphStore.getState().load(theirs.graph);
            autosave.reset(theirs.revision);
          }}
          onKeepMineAsCopy={keepMineAsCopy}
        />
      )}
    </div>
  );
}
