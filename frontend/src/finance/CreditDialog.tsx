import { useId, useState } from "react";
import { creditsApi } from "../api/credits";
import { errorMessage } from "../api/client";
import { Dialog } from "../ui/Dialog";
import { TextField } from "../ui/TextField";

/** Why the entry cannot be added yet, in words, or null when it can (the server says the same). */
export function creditRefusal(kind: "top_up" | "adjustment", amount: string, reason: string): string | null {
  const value = Number(amount.trim());
  if (amount.trim() === "" || !Number.isFinite(value)) return "Enter the number of credits, e.g. 10000.";
  if (!/^-?\d+(\.\d{1,2})?$/.test(amount.trim())) return "Credits have at most two decimals.";
  if (kind === "top_up" && value <= 0) return "A top-up must add a positive amount; use an adjustment to take credits away.";
  if (kind === "adjustment" && value === 0) return "An adjustment of 0 changes nothing.";
  if (reason.trim() === "") return "Say why: a reason is required (it is written to the ledger).";
  return null;
}

/** Add credits (top-up) or correct the balance (adjustment, may be negative). */
export function CreditDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const [kind, setKind] = useState<"top_up" | "adjustment">("top_up");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const kindId = useId();
  const refusal = creditRefusal(kind, amount, reason);
  const valid = refusal === null;
  const [tried, setTried] = useState(false);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (!valid) return;
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
        {refusal && (tried || amount.trim() !== "") && (
          <p className="field-help" role="status" data-testid="credit-refusal" style={{ marginBottom: 12 }}>
            {refusal}
          </p>
        )}
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
            {busy ? "Saving…" : "Add to ledger"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
