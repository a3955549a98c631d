/** Places a real outbound call from one of the trunk's numbers, to check the trunk end to end. */
import { useState } from "react";
import { Link } from "react-router";
import { Dialog } from "../ui/Dialog";
import { adminApi, type OutboundCall, type PhoneNumber, type Trunk } from "./api";
import { FormAlert, InputField, SelectField } from "./Field";
import { FormFooter } from "./controls";
import { useSubmit } from "./components/useAdminForm";

export function TestCallDialog({ trunk, numbers, onClose }: { trunk: Trunk; numbers: PhoneNumber[]; onClose: () => void }) {
  const own = numbers.filter((n) => n.trunk_id === trunk.id);
  const [from, setFrom] = useState(own[0] ? String(own[0].id) : "");
  const [to, setTo] = useState("");
  const { busy, errors, submitWith } = useSubmit(["to"]);
  const [placed, setPlaced] = useState<OutboundCall | null>(null);

  const submit = submitWith(async () => setPlaced(await adminApi.placeCall(Number(from), to)));

  return (
    <Dialog title={`Test call through ${trunk.name}`} description="betool dials the number you give from one of this trunk's numbers; the number's pipeline answers." onClose={onClose}>
      {own.length === 0 ? (
        <div className="alert alert-info">Give this trunk a number first (Numbers → New number → this trunk): a test call goes out from one of its numbers.</div>
      ) : placed ? (
        <div className="alert alert-info" role="status">
          Calling {placed.to_number}: {placed.status}. <Link to={`/calls/${placed.id}`}>Follow the call</Link>
        </div>
      ) : (
        <form onSubmit={submit} noValidate>
          <FormAlert message={errors.general} />
          <SelectField label="From" value={from} onChange={setFrom} options={own.map((n) => ({ value: String(n.id), label: n.label ? `${n.e164} (${n.label})` : n.e164 }))} />
          <InputField label="Call" value={to} onChange={setTo} error={errors.fields.to} placeholder="+15550123" required autoFocus help="Your own phone, in E.164 form." />
          <FormFooter onCancel={onClose} busy={busy} disabled={to.trim() === ""} label="Place test call" busyLabel="Dialling…" />
        </form>
      )}
    </Dialog>
  );
}
