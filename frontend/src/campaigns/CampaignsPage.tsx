/** Campaigns: the workspace's outbound campaigns, their progress, and a new one's set-up. */
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { adminApi } from "../admin/api";
import { FormAlert, InputField, SelectField } from "../admin/Field";
import { useSubmit } from "../admin/components/useAdminForm";
import { LoadState, loadedEmpty } from "../admin/AdminSection";
import { AdminTable } from "../admin/components/AdminTable";
import { useResource } from "../admin/useResource";
import { pipelinesApi } from "../api/pipelines";
import { PERMISSIONS, useCan } from "../app/session";
import { dateTime } from "../ui/format";
import { ANSWERING_MACHINE_CHOICES, campaignsApi, type AnsweringMachine, type Campaign } from "./campaignsApi";
import { CampaignsNav } from "./CampaignsNav";
import { StatusBadge } from "./StatusBadge";
import { donePercent, RETRYABLE, outcomeLabel, windowsFrom } from "./progress";
import "./campaigns.css";

const WEEKDAYS = [
  ["mon", "Mon"],
  ["tue", "Tue"],
  ["wed", "Wed"],
  ["thu", "Thu"],
  ["fri", "Fri"],
  ["sat", "Sat"],
  ["sun", "Sun"],
] as const;

const FIELDS = ["name", "pipeline_id", "caller_number_ids", "calling_windows", "default_time_zone", "max_concurrent_calls", "retry_policy", "breaker_failure_percent", "breaker_window", "answering_machine"] as const;

interface RetryRow {
  minutes: string;
  attempts: string;
}

const DEFAULT_RETRIES: Record<string, RetryRow> = {
  busy: { minutes: "10", attempts: "3" },
  no_answer: { minutes: "30", attempts: "3" },
  voicemail: { minutes: "60", attempts: "2" },
  failed: { minutes: "5", attempts: "2" },
  rejected_by_limit: { minutes: "1", attempts: "10" },
};

function NewCampaignForm({ onCancel }: { onCancel: () => void }) {
  const navigate = useNavigate();
  const pipelines = useResource(() => pipelinesApi.list());
  const numbers = useResource(adminApi.numbers);
  const [name, setName] = useState("");
  const [pipelineId, setPipelineId] = useState("");
  const [numberId, setNumberId] = useState("");
  const [days, setDays] = useState<string[]>(["mon", "tue", "wed", "thu", "fri"]);
  const [start, setStart] = useState("09:00");
  const [end, setEnd] = useState("18:00");
  const [timeZone, setTimeZone] = useState("");
  const [concurrency, setConcurrency] = useState("2");
  const [retries, setRetries] = useState(DEFAULT_RETRIES);
  const [breakerPercent, setBreakerPercent] = useState("50");
  const [breakerWindow, setBreakerWindow] = useState("20");
  const [answeringMachine, setAnsweringMachine] = useState<NonNullable<AnsweringMachine>>("");
  const { busy, errors, submitWith } = useSubmit(FIELDS);

  const published = (pipelines.data ?? []).filter((p) => p.published_version !== null);
  // Said beside the disabled button: a greyed-out button alone does not say what it waits for.
  const missing = !name.trim() ? "Give the campaign a name." : !pipelineId ? "Choose the pipeline that answers." : null;
  const setRetry = (outcome: string, change: Partial<RetryRow>) => setRetries((current) => ({ ...current, [outcome]: { ...current[outcome]!, ...change } }));

  const create = submitWith(async () => {
    const created = await campaignsApi.create({
      name: name.trim(),
      pipeline_id: Number(pipelineId),
      caller_number_ids: numberId ? [Number(numberId)] : [],
      calling_windows: windowsFrom(days, start, end),
      default_time_zone: timeZone.trim(),
      max_concurrent_calls: Number(concurrency),
      retry_policy: Object.fromEntries(RETRYABLE.map((o) => [o, { delay_s: Math.round(Number(retries[o]!.minutes) * 60), max_attempts: Number(retries[o]!.attempts) }])),
      breaker_failure_percent: Number(breakerPercent),
      breaker_window: Number(breakerWindow),
      answering_machine: answeringMachine,
    });
    void navigate(`/campaigns/${created.id}`);
  });

  return (
    <form className="admin-card campaign-form" onSubmit={create} noValidate aria-label="New campaign">
      <h2>New campaign</h2>
      <FormAlert message={errors.general} />
      <InputField label="Name" value={name} onChange={setName} error={errors.fields.name} placeholder="e.g. December appointment reminders" autoFocus />
      <SelectField
        label="Pipeline"
        value={pipelineId}
        onChange={setPipelineId}
        error={errors.fields.pipeline_id}
        help="Each call runs the pipeline's latest published version."
        options={[{ value: "", label: published.length ? "Choose a published pipeline" : "No published pipeline yet" }, ...published.map((p) => ({ value: String(p.id), label: p.name }))]}
      />
      <SelectField
        label="Call from"
        value={numberId}
        onChange={setNumberId}
        error={errors.fields.caller_number_ids}
        help="A number on a trunk that places outbound calls."
        options={[{ value: "", label: "Choose a number" }, ...(numbers.data ?? []).map((n) => ({ value: String(n.id), label: `${n.e164}${n.label ? ` · ${n.label}` : ""}` }))]}
      />
      <fieldset className="fieldset">
        <legend className="field-label">Calling hours, in each contact's own time zone</legend>
        <div className="campaign-days">
          {WEEKDAYS.map(([day, label]) => (
            <label key={day} className="checkbox">
              <input type="checkbox" checked={days.includes(day)} onChange={(e) => setDays((d) => (e.target.checked ? [...d, day] : d.filter((x) => x !== day)))} />
              {label}
            </label>
          ))}
        </div>
        <div className="campaign-row">
          <InputField label="Calls start at" type="time" value={start} onChange={setStart} />
          <InputField label="Calls end by" type="time" value={end} onChange={setEnd} />
        </div>
        {errors.fields.calling_windows && <span className="field-error">{errors.fields.calling_windows}</span>}
      </fieldset>
      <div className="campaign-row">
        <InputField label="Time zone of contacts without one" value={timeZone} onChange={setTimeZone} error={errors.fields.default_time_zone} placeholder="The workspace's" help="Otherwise it comes from the number's country or a time_zone column." />
        <InputField label="Calls at once" type="number" min={1} value={concurrency} onChange={setConcurrency} error={errors.fields.max_concurrent_calls} />
      </div>
      <SelectField
        label="When a voicemail answers"
        value={answeringMachine}
        onChange={(value) => setAnsweringMachine(value as NonNullable<AnsweringMachine>)}
        error={errors.fields.answering_machine}
        help="Detection listens to the first seconds of the call (greeting length, the beep, voicemail phrases); its verdict is in each call's trace."
        options={ANSWERING_MACHINE_CHOICES}
      />
      <fieldset className="fieldset">
        <legend className="field-label">Retries</legend>
        <table className="pipeline-table admin-table campaign-retries">
          <thead>
            <tr>
              <th scope="col">When the call ends</th>
              <th scope="col">Try again after (minutes)</th>
              <th scope="col">Attempts in all</th>
            </tr>
          </thead>
          <tbody>
            {RETRYABLE.map((outcome) => (
              <tr key={outcome}>
                <th scope="row">{outcomeLabel(outcome)}</th>
                <td>
                  <input className="input" type="number" min={0} aria-label={`${outcomeLabel(outcome)}: minutes before the next attempt`} value={retries[outcome]!.minutes} onChange={(e) => setRetry(outcome, { minutes: e.target.value })} />
                </td>
                <td>
                  <input className="input" type="number" min={1} aria-label={`${outcomeLabel(outcome)}: attempts in all`} value={retries[outcome]!.attempts} onChange={(e) => setRetry(outcome, { attempts: e.target.value })} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {errors.fields.retry_policy && <span className="field-error">{errors.fields.retry_policy}</span>}
      </fieldset>
      <div className="campaign-row">
        <InputField label="Pause when more than (% failed)" type="number" min={1} value={breakerPercent} onChange={setBreakerPercent} error={errors.fields.breaker_failure_percent} help="100 never pauses." />
        <InputField label="…of the last (calls)" type="number" min={1} value={breakerWindow} onChange={setBreakerWindow} error={errors.fields.breaker_window} />
      </div>
      <div className="admin-actions">
        {missing && (
          <span className="field-help" role="status">
            {missing}
          </span>
        )}
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || missing !== null}>
          {busy ? "Creating…" : "Create campaign"}
        </button>
      </div>
    </form>
  );
}

function CampaignRow({ campaign }: { campaign: Campaign }) {
  const { progress } = campaign;
  return (
    <tr>
      <td>
        <Link to={`/campaigns/${campaign.id}`} className="strong">
          {campaign.name}
        </Link>
        <div className="muted">{campaign.pipeline_name}</div>
      </td>
      <td>
        <StatusBadge status={campaign.status} />
      </td>
      <td className="num">
        {progress.done} / {progress.total} <span className="muted">({donePercent(campaign)}%)</span>
      </td>
      <td className="num">{progress.dialing + progress.in_call}</td>
      <td className="num">{progress.to_retry}</td>
      <td className="num">{Number(progress.credits_spent).toLocaleString()}</td>
      <td className="muted">{dateTime(campaign.created_at)}</td>
    </tr>
  );
}

const EMPTY = {
  title: "No campaign yet",
  text: "A campaign calls many contacts from a CSV file: reminders, surveys, follow-ups. It needs a published pipeline and a number on a trunk that places outbound calls.",
};

export function CampaignsPage() {
  const campaigns = useResource(campaignsApi.list);
  const canPlace = useCan(PERMISSIONS.callsPlace);
  const [creating, setCreating] = useState(false);
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Campaigns</h1>
          <p>Call a list of contacts with a published pipeline, inside their calling hours, with retries and live progress.</p>
        </div>
        {canPlace && !creating && !loadedEmpty(campaigns) && (
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            New campaign
          </button>
        )}
      </div>
      <CampaignsNav />
      {creating && <NewCampaignForm onCancel={() => setCreating(false)} />}
      {/* The form replaces the empty state, never the list of campaigns. */}
      {!(creating && campaigns.data?.length === 0) && (
        <LoadState resource={campaigns} empty={canPlace ? { ...EMPTY, action: "New campaign", onAction: () => setCreating(true) } : { ...EMPTY, text: `${EMPTY.text} Owners and admins start them.` }}>
          {(list) => (
            <AdminTable label="Campaigns" columns={["Campaign", "Status", "Done", "Calling", "To retry", "Credits", "Created"]}>
              {list.map((c) => (
                <CampaignRow key={c.id} campaign={c} />
              ))}
            </AdminTable>
          )}
        </LoadState>
      )}
    </div>
  );
}
