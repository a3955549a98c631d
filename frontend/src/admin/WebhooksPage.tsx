/** Webhooks: the workspace's endpoints, the events each receives, their delivery logs. */
import { useState } from "react";
import { dateTime } from "../ui/format";
import { AdminSection, LoadState } from "./AdminSection";
import { CopyBox } from "./CopyBox";
import { FormAlert, InputField } from "./Field";
import { useResource } from "./useResource";
import { DeleteButton, DeleteConfirm } from "./controls";
import { runWithToast } from "./components/runWithToast";
import { useSubmit } from "./components/useAdminForm";
import { WebhookDeliveries } from "./WebhookDeliveries";
import { webhooksApi, type WebhookEndpoint } from "./webhooksApi";

interface ShownSecret {
  url: string;
  secret: string;
}

function EndpointForm({ onCreated }: { onCreated: (shown: ShownSecret) => void }) {
  const eventTypes = useResource(webhooksApi.eventTypes);
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<string[]>(["call.ended"]);
  const { busy, errors, submitWith } = useSubmit(["url", "events", "description"]);

  const toggle = (type: string, on: boolean) => setEvents((current) => (on ? [...current, type] : current.filter((t) => t !== type)));

  const create = submitWith(async () => {
    const created = await webhooksApi.create({ url: url.trim(), events, description });
    onCreated({ url: created.url, secret: created.secret });
    setUrl("");
    setDescription("");
  });

  return (
    <form className="admin-card" onSubmit={create} noValidate>
      <h2>New endpoint</h2>
      <FormAlert message={errors.general} />
      <InputField label="URL" value={url} onChange={setUrl} error={errors.fields.url} placeholder="https://crm.example.com/hooks/betool" help="betool POSTs each event here as JSON, signed with the endpoint's secret." />
      <InputField label="Description" value={description} onChange={setDescription} error={errors.fields.description} placeholder="e.g. CRM sync" />
      <fieldset className="field webhook-events">
        <legend>Events</legend>
        {(eventTypes.data ?? []).map((t) => (
          <label key={t.type} className="checkbox">
            <input type="checkbox" checked={events.includes(t.type)} onChange={(e) => toggle(t.type, e.target.checked)} />
            <span>
              <span className="mono">{t.type}</span> <span className="muted">{t.description}</span>
            </span>
          </label>
        ))}
        {errors.fields.events && <span className="field-error">{errors.fields.events}</span>}
      </fieldset>
      <button type="submit" className="btn btn-primary" disabled={busy || url.trim() === "" || events.length === 0}>
        {busy ? "Adding…" : "Add endpoint"}
      </button>
    </form>
  );
}

function EndpointCard({ endpoint, onChanged, onSecret, onDelete }: { endpoint: WebhookEndpoint; onChanged: () => void; onSecret: (shown: ShownSecret) => void; onDelete: () => void }) {
  const [showLog, setShowLog] = useState(false);
  const setEnabled = async (enabled: boolean) => {
    await runWithToast(() => webhooksApi.update(endpoint.id, { enabled }), enabled ? "Endpoint turned on" : "Endpoint turned off");
    onChanged();
  };
  const rotate = () =>
    runWithToast(async () => {
      const { secret } = await webhooksApi.rotateSecret(endpoint.id);
      onSecret({ url: endpoint.url, secret });
    });
  return (
    <article className="admin-card webhook-endpoint" aria-label={`Endpoint ${endpoint.url}`}>
      <div className="webhook-endpoint-head">
        <div>
          <div className="strong mono">{endpoint.url}</div>
          {endpoint.description && <div className="muted">{endpoint.description}</div>}
          <div className="badge-row" style={{ marginTop: 6 }}>
            {endpoint.events.map((e) => (
              <span key={e} className="badge">
                {e}
              </span>
            ))}
          </div>
        </div>
        <span className={`badge badge-dot ${endpoint.enabled ? "badge-success" : "badge-danger"}`}>{endpoint.enabled ? "On" : "Off"}</span>
      </div>
      {!endpoint.enabled && endpoint.disabled_reason && (
        <div className="alert alert-error" role="alert" style={{ marginTop: 10 }}>
          Turned off{endpoint.disabled_at ? ` on ${dateTime(endpoint.disabled_at)}` : ""}: {endpoint.disabled_reason} Fix the receiver, then turn it back on; failed deliveries can be sent again below.
        </div>
      )}
      <div className="admin-actions" style={{ marginTop: 10 }}>
        <button type="button" className="btn btn-sm" onClick={() => setShowLog((v) => !v)} aria-expanded={showLog}>
          {showLog ? "Hide deliveries" : "Deliveries"}
        </button>
        <button type="button" className="btn btn-sm" onClick={() => void setEnabled(!endpoint.enabled)}>
          {endpoint.enabled ? "Turn off" : "Turn on"}
        </button>
        <button type="button" className="btn btn-sm" onClick={() => void rotate()}>
          New secret
        </button>
        <DeleteButton name={endpoint.url} label onClick={onDelete} />
      </div>
      {showLog && (
        <div style={{ marginTop: 12 }}>
          <WebhookDeliveries endpoint={endpoint} />
        </div>
      )}
    </article>
  );
}

export function WebhooksPage() {
  const endpoints = useResource(webhooksApi.endpoints);
  const [shown, setShown] = useState<ShownSecret | null>(null);
  const [deleting, setDeleting] = useState<WebhookEndpoint | null>(null);
  const onSecret = (value: ShownSecret) => {
    setShown(value);
    endpoints.reload();
  };

  return (
    <AdminSection title="Webhooks" description="Tell your other systems when calls start and end, when an analysis or a recording is ready, when credits run low and when a pipeline is published.">
      <EndpointForm onCreated={onSecret} />
      {shown && (
        <div className="admin-card" role="status">
          <p className="strong" style={{ margin: 0 }}>
            Signing secret of {shown.url}: copy it now, it is not shown again.
          </p>
          <CopyBox value={shown.secret} label="signing secret" />
          <p className="field-help">
            Each request carries <code>webhook-id</code>, <code>webhook-timestamp</code> and <code>webhook-signature</code> (Standard Webhooks: HMAC-SHA256 of id.timestamp.body). Verify it with this secret and refuse timestamps older than five minutes. Bodies follow <a href="/api/webhooks/schema">this JSON Schema</a>.
          </p>
        </div>
      )}
      <LoadState resource={endpoints} empty={{ title: "No endpoint yet", text: "Add the address of a system that should hear about calls, analyses and recordings." }}>
        {(list) => (
          <div>
            {list.map((endpoint) => (
              <EndpointCard key={endpoint.id} endpoint={endpoint} onChanged={endpoints.reload} onSecret={onSecret} onDelete={() => setDeleting(endpoint)} />
            ))}
          </div>
        )}
      </LoadState>
      {deleting && (
        <DeleteConfirm
          title={`Delete ${deleting.url}?`}
          message="It receives no more events, and its delivery log is deleted with it."
          confirmLabel="Delete endpoint"
          remove={() => webhooksApi.remove(deleting.id)}
          onDone={endpoints.reload}
          onClose={() => setDeleting(null)}
        />
      )}
    </AdminSection>
  );
}
