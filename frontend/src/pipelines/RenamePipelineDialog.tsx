import { useState } from "react";
import { errorMessage } from "../api/client";
import { pipelinesApi } from "../api/pipelines";
import type { PipelineSummary } from "../api/types";
import { Dialog } from "../ui/Dialog";
import { TextField } from "../ui/TextField";

export function RenamePipelineDialog({ pipeline, onClose, onSaved }: { pipeline: PipelineSummary; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState(pipeline.name);
  const [description, setDescription] = useState(pipeline.description);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await pipelinesApi.update(pipeline.id, { name: name.trim(), description: description.trim() });
      onSaved();
      onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Rename pipeline" onClose={onClose}>
      <form onSubmit={submit}>
        <TextField label="Name" value={name} onChange={setName} required maxLength={120} data-autofocus />
        <TextField label="Description" value={description} onChange={setDescription} maxLength={500} />
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
        <div className="dialog-footer" style={{ padding: "8px 0 8px" }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || name.trim() === ""}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
