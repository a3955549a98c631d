/** "Live now": calls in progress, each with its transcript as it happens. */
import { useMemo } from "react";
import { Link } from "react-router";
import { useLiveCalls, liveCallList, type LiveCall } from "./liveCalls";
import { callParties, pipelineLabel, STATUS_LABELS, statusBadgeClass } from "./format";
import type { FeedStatus } from "./useCallFeed";

export function LiveCalls({ feed }: { feed: FeedStatus }) {
  const byId = useLiveCalls((s) => s.calls);
  const calls = useMemo(() => liveCallList({ calls: byId }), [byId]);
  return (
    <section aria-labelledby="live-now" className="calls-section">
      <div className="calls-section-header">
        <h2 id="live-now">Live now</h2>
        <span className={feed.state === "open" ? "badge badge-dot badge-success" : "badge badge-dot"} role="status" data-testid="feed-status">
          {feed.state === "open" ? "Connected" : feed.state === "connecting" ? "Connecting…" : "Offline"}
        </span>
      </div>
      {feed.state === "closed" && (
        <div className="alert alert-warning" role="alert" style={{ marginBottom: 10 }}>
          {feed.message}
        </div>
      )}
      {calls.length === 0 ? (
        <p className="muted" data-testid="no-live-calls">
          No calls in progress. New calls appear here the moment they start.
        </p>
      ) : (
        <div className="live-grid" data-testid="live-calls">
          {calls.map((call) => (
            <LiveCallCard key={call.id} call={call} />
          ))}
        </div>
      )}
    </section>
  );
}

function LiveCallCard({ call }: { call: LiveCall }) {
  const summary = call.summary;
  return (
    <article className="live-card" aria-label={`Call ${call.id}`}>
      <header className="live-card-header">
        <div>
          <Link to={`/calls/${call.id}`} className="strong">
            {summary ? callParties(summary) : `Call ${call.id}`}
          </Link>
          <div className="muted" style={{ fontSize: 12 }}>
            {summary ? pipelineLabel(summary) : "Loading…"}
            {summary?.is_test && <span className="badge" style={{ marginLeft: 6 }}>test</span>}
          </div>
        </div>
        <span className={statusBadgeClass(call.status)}>{STATUS_LABELS[call.status]}</span>
      </header>
      <div className="chat live-transcript" aria-live="polite">
        {call.turns.length === 0 && <div className="chat-message system">Waiting for the first words…</div>}
        {call.turns.map((turn) => (
          <div key={turn.sequence} className="live-turn">
            {turn.user_text && <div className="chat-message user">{turn.user_text}</div>}
            {turn.agent_text && <div className="chat-message agent">{turn.agent_text}</div>}
          </div>
        ))}
      </div>
      {call.lastAction && <div className="muted mono live-card-footer">last action: {call.lastAction}</div>}
    </article>
  );
}
