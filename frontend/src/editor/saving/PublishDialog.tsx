import { useId, useState } from "react";
import { ApiError, errorMessage } from "../../api/client";
import { pipelinesApi } from "../../api/pipelines";
import type { Problem, Version } from "../../api/types";
import { Dialog } from "../../ui/Dialog";
import { SuiteStatus } from "../flowTests/SuiteStatus";

interface PublishDialogProps {
  pipelineId: number;
  /** saves pending edits first, so what is published is what is on screen */
  flush: () => Promise<void>;
  onClose: () => void;
  onPublished: (version: Version) => void;
  onProblems: (problems: Problem[]) => void;
}

export function PublishDialog({ pipelineId, flush, onClose, onPublished, onProblems }: PublishDialogProps) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [attempts, setAttempts] = useState(0);
  const noteId = useId();
  const publish = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await flush();
      const version = await pipelinesApi.publish(pipelineId, note.trim());
      onPublished(version);
      onClose();
    } catch (e) {
      if (e instanceof ApiError && e.code === "graph_invalid" && Array.isArray(e.details)) {
        const problems = (e.details as Problem[]).filter((p) => p.severity === "error");
        onProblems(e.details as Problem[]);
        setError(`${e.message} ${problems.slice(0, 3).map((p) => p.message).join(" ")} The problems panel lists them all; click one to go to its node.`);
      } else setError(errorMessage(e));
      // A refused publish may have run the suite: its result is the one to show.
      setAttempts((n) => n + 1);
      setBusy(false);
    }
  };
  return (
    <Dialog title="Publish" description="Numbers that use this pipeline will answer with the new version from their next call." onClose={onClose}>
      <form onSubmit={publish}>
        <div className="field">
          <label className="field-label" htmlFor={noteId}>
            What changed?
          </label>
          <textarea id={noteId} className="textarea" value={note} maxLength={500} placeholder="e.g. Added opening hours" onChange={(e) => setNote(e.target.value)} data-autofocus />
        </div>
        <SuiteStatus pipelineId={pipelineId} refreshKey={attempts} />
        {error && (
          <div className="alert alert-error" role="alert" style={{ marginBottom: 12 }}>
            {error}
          </div>
        )}
        <div className="dialog-footer" style={{ padding: "8px 0" }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Publishing…" : "Publish"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
