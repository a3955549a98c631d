import { Link } from "react-router";
import type { PipelineDetail } from "../api/types";
import { Icon } from "../ui/Icon";
import { Menu } from "../ui/Menu";
import { displayKeys, KEYMAP, type CommandId } from "./keymap";
import { SaveStatus } from "./saving/SaveStatus";
import type { SaveState } from "./saving/useAutosave";
import { selectCanRedo, selectCanUndo, useGraphStore } from "./store/graphStore";

export type SidePanel = "inspector" | "test" | "tests" | "versions";

interface EditorHeaderProps {
  pipeline: PipelineDetail;
  saveState: SaveState;
  saveError: string | null;
  panel: SidePanel;
  canEdit: boolean;
  canPublish: boolean;
  canTest: boolean;
  onPanel: (panel: SidePanel) => void;
  onPublish: () => void;
  onHelp: () => void;
  onExport: () => void;
  onImportFile: () => void;
}

function shortcutHint(command: CommandId): string {
  const keys = KEYMAP.find((s) => s.command === command)?.keys[0];
  return keys ? ` (${displayKeys(keys).join(" ")})` : "";
}

export function EditorHeader(props: EditorHeaderProps) {
  const { pipeline, saveState, saveError, panel, canEdit, canPublish, canTest, onPanel } = props;
  const canUndo = useGraphStore(selectCanUndo);
  const canRedo = useGraphStore(selectCanRedo);
  const { undo, redo, autoLayout } = useGraphStore.getState();
  return (
    <header className="editor-header">
      <Link to="/pipelines" className="btn btn-ghost btn-icon" aria-label="Back to pipelines">
        <Icon name="chevronLeft" />
      </Link>
      <h1 className="editor-title" title={pipeline.name}>
        {pipeline.name}
      </h1>
      {pipeline.published_version ? (
        <span className="badge badge-success">v{pipeline.published_version.number} live</span>
      ) : (
        <span className="badge">Not published</span>
      )}
      {canEdit ? <SaveStatus state={saveState} error={saveError} /> : <span className="badge">Read only</span>}
      <span className="topbar-spacer" />
      {canEdit && (
        <>
          <button type="button" className="btn btn-ghost btn-icon" aria-label={`Undo${shortcutHint("undo")}`} title={`Undo${shortcutHint("undo")}`} disabled={!canUndo} onClick={undo}>
            <Icon name="undo" />
          </button>
          <button type="button" className="btn btn-ghost btn-icon" aria-label={`Redo${shortcutHint("redo")}`} title={`Redo${shortcutHint("redo")}`} disabled={!canRedo} onClick={redo}>
            <Icon name="redo" />
          </button>
          <button type="button" className="btn btn-ghost btn-icon" aria-label={`Tidy up layout${shortcutHint("autoLayout")}`} title={`Tidy up layout${shortcutHint("autoLayout")}`} onClick={autoLayout}>
            <Icon name="layout" />
          </button>
        </>
      )}
      <button type="button" className="btn btn-ghost btn-icon" aria-label="Keyboard shortcuts (?)" title="Keyboard shortcuts (?)" onClick={props.onHelp}>
        <Icon name="help" />
      </button>
      <Menu
        label="More actions"
        button={<Icon name="more" />}
        items={[
          { label: "Export JSON", icon: <Icon name="download" />, onSelect: props.onExport },
          ...(canEdit ? [{ label: "Import JSON as new pipeline", icon: <Icon name="upload" />, onSelect: props.onImportFile }] : []),
        ]}
      />
      <button type="button" className="btn" aria-pressed={panel === "versions"} onClick={() => onPanel(panel === "versions" ? "inspector" : "versions")}>
        <Icon name="history" /> History
      </button>
      {canTest && (
        <button type="button" className="btn" aria-pressed={panel === "test"} onClick={() => onPanel(panel === "test" ? "inspector" : "test")}>
          <Icon name="play" size={14} /> Test
        </button>
      )}
      {canTest && (
        <button type="button" className="btn" aria-pressed={panel === "tests"} onClick={() => onPanel(panel === "tests" ? "inspector" : "tests")}>
          <Icon name="check" size={14} /> Tests
        </button>
      )}
      {canPublish && (
        <button type="button" className="btn btn-primary" onClick={props.onPublish}>
          Publish
        </button>
      )}
    </header>
  );
}
