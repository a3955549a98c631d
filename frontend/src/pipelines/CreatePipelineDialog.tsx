import { useEffect, useState } from "react";
import { errorMessage } from "../api/client";
import { pipelinesApi } from "../api/pipelines";
import type { PipelineDetail, PipelineTemplate } from "../api/types";
import { Dialog } from "../ui/Dialog";
import { TextField } from "../ui/TextField";

const BLANK = "";

/** Name a new pipeline and start it blank or from a template. */
export function CreatePipelineDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (p: PipelineDetail) => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [template, setTemplate] = useState(BLANK);
  const [templates, setTemplates] = useState<PipelineTemplate[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    pipelinesApi.templates().then(setTemplates, () => setTemplates([]));
  }, []);

  const choose = (t: PipelineTemplate | null) => {
    setTemplate(t?.key ?? BLANK);
    if (t && (name === "" || templates.some((x) => x.name === name))) setName(t.name);
  };

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await pipelinesApi.create({
        name: name.trim(),
        description: description.trim(),
        ...(template ? { template } : {}),
      });
      onCreated(created);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };

  return (
    <Dialog title="New pipeline" description="Start from an empty canvas or a ready-made flow." onClose={onClose}>
      <form onSubmit={submit}>
        <div className="template-grid" role="group" aria-label="Starting point">
          <button type="button" className="template-card" aria-pressed={template === BLANK} onClick={() => choose(null)}>
            <strong>Blank</strong>
            <span>Only a Start node.</span>
          </button>
          {templates.map((t) => (
            <button key={t.key} type="button" className="template-card" aria-pressed={template === t.key} onClick={() => choose(t)}>
              <strong>{t.name}</strong>
              <span>{t.description}</span>
            </button>
          ))}
        </div>
        <TextField label="Name" value={name} onChange={setName} required maxLength={120} placeholder="e.g. Front desk" data-autofocus />
        <TextField label="Description" value={description} onChange={setDescription} maxLength={500} placeholder="Optional" />
        {error && (
          <div className="alert alert-error" role="alert" style={{ marginBottom: 12 }}>
            {error}
          </div>
        )}
        <div className="dialog-footer" style={{ padding: "8px 0 8px" }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || name.trim() === ""}>
            {busy ? "Creating…" : "Create pipeline"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
