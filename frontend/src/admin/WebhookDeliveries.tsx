/** One endpoint's delivery log: each event sent, how the receiver answered, and a way to
 * send one again. */
import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../api/client";
import { dateTime, relativeTime } from "../ui/format";
import { showToast } from "../ui/toasts";
import { webhooksApi, type DeliveryPage, type DeliveryStatus, type WebhookDelivery, type WebhookEndpoint } from "./webhooksApi";

const STATUS: Record<DeliveryStatus, { label: string; tone: string }> = {
  succeeded: { label: "Delivered", tone: "badge-success" },
  retrying: { label: "Retrying", tone: "badge-warning" },
  pending: { label: "Sending", tone: "badge-accent" },
  failed: { label: "Failed", tone: "badge-danger" },
};

function answer(delivery: WebhookDelivery): string {
  if (delivery.last_status_code !== null) return `HTTP ${delivery.last_status_code}`;
  return delivery.last_error || "—";
}

export function WebhookDeliveries({ endpoint }: { endpoint: WebhookEndpoint }) {
  const [page, setPage] = useState<DeliveryPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState<number | null>(null);

  const load = useCallback(() => {
    webhooksApi.deliveries(endpoint.id).then(
      (answered) => {
        setPage(answered);
        setError(null);
      },
      (e: unknown) => setError(errorMessage(e)),
    );
  }, [endpoint.id]);
  useEffect(load, [load]);

  const redeliver = async (delivery: WebhookDelivery) => {
    setSending(delivery.id);
    try {
      await webhooksApi.redeliver(delivery.id);
      showToast(`${delivery.event_type} sent again`);
    } catch (e) {
      showToast(errorMessage(e), "error");
    }
    setSending(null);
    load();
  };

  if (error) {
    return (
      <div className="alert alert-error" role="alert">
        {error}{" "}
        <button type="button" className="btn btn-sm" onClick={load}>
          Try again
        </button>
      </div>
    );
  }
  if (page === null) return <div className="spinner" role="status" aria-label="Loading deliveries" />;
  if (page.items.length === 0) return <p className="muted">No delivery yet: events you chose are sent here as they happen.</p>;
  return (
    <table className="pipeline-table admin-table webhook-log" aria-label={`Deliveries to ${endpoint.url}`}>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Status</th>
          <th scope="col">Answer</th>
          <th scope="col">Latency</th>
          <th scope="col">Sent</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {page.items.map((d) => (
          <tr key={d.id}>
            <td>
              <div className="mono">{d.event_type}</div>
              <div className="muted mono" title="webhook-id">
                {d.message_id}
              </div>
            </td>
            <td>
              <span className={`badge badge-dot ${STATUS[d.status].tone}`}>{STATUS[d.status].label}</span>
              <div className="muted">
                {d.attempts} attempt{d.attempts === 1 ? "" : "s"}
                {d.status === "retrying" && d.next_attempt_at && `, next ${relativeTime(d.next_attempt_at)}`}
              </div>
            </td>
            <td>
              <div>{answer(d)}</div>
              {d.response_excerpt && <div className="muted mono webhook-excerpt">{d.response_excerpt}</div>}
            </td>
            <td className="muted">{d.last_latency_ms === null ? "—" : `${d.last_latency_ms} ms`}</td>
            <td className="muted">{dateTime(d.created_at)}</td>
            <td>
              <button type="button" className="btn btn-sm" disabled={!endpoint.enabled || sending === d.id} onClick={() => void redeliver(d)} aria-label={`Send ${d.event_type} ${d.message_id} again`}>
                {sending === d.id ? "Sending…" : "Redeliver"}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
