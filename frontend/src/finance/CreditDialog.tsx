import { useId, useState } from "react";
import { creditsApi } from "../api/credits";
import { errorMessage } from "../api/client";
import { Dialog } from "../ui/Dialog";
import { TextField } from "../ui/TextField";

/** Add credits (top-up) or correct the balance (adjustment, may be negative). */
export function CreditDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const [kind, setKind] = useState<"top_up" | "adjustment">("top_up");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const kindId = useId();
  const valid = amount.trim() !== "" && Number.isFinite(Number(amount)) && (kind === "adjustment" || Number(amount) > 0) && reason.trim() !== "";
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await creditsApi.addEntry({ credits: amount.trim(), kind, reason: reason.trim() });
      onDone();
      onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Add credits" description="Every change is written to the ledger with your name and the reason." onClose={onClose}>
      <form onSubmit={submit}>
        <div className="field">
          <label className="field-label" htmlFor={kindId}>
            Kind
          </label>
          <select id={kindId} className="select" value={kind} onChange={(e) => setKind(e.target.value as "top_up" | "adjustment")}>
            <option value="top_up">Top-up</option>
            <option value="adjustment">Adjustment (may be negative)</option>
          </select>
        </div>
        <TextField label="Credits" value={amount} onChange={setAmount} inputMode="decimal" required placeholder="e.g. 10000" data-autofocus />
        <TextField label="Reason" value={reason} onChange={setReason} required maxLength={200} placeholder="e.g. Invoice 2026-114" />
        {error && (
          <div className="alert alert-error" role="alert" style={{ marginBottom: 12 }}>
            {error}
          </div>
        )}
        <div className="dialog-footer" style={{ padding: "8px 0" }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || !valid}>
            {busy ? "Saving…" : "Add to ledger"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
