/** One call: lifecycle timeline, transcript with per-turn latencies and trace, tools, cost. */
import { useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { callsApi, type CallDetail, type CallLifecycle, type CallTurn } from "../api/calls";
import { ApiError, errorMessage } from "../api/client";
import { CallToScenario } from "../editor/flowTests/CallToScenario";
import { formatCredits } from "../finance/format";
import { traceSummary } from "../ui/format";
import { Icon } from "../ui/Icon";
import { callParties, costQuantity, directionLabel, formatDuration, formatMs, latencyLabel, pipelineLabel, STATUS_LABELS, statusBadgeClass } from "./format";
import { CallAnalysisCard } from "./CallAnalysisCard";
import { activeTurnAt, clockOf, turnOffset } from "./playback";
import { RecordingCard, type RecordingPlayhead } from "./RecordingCard";
import "./calls.css";

const LIFECYCLE_STEPS: { key: keyof CallLifecycle; label: string }[] = [
  { key: "ringing_at", label: "Ringing" },
  { key: "connected_at", label: "Connected" },
  { key: "active_at", label: "Active" },
  { key: "on_hold_at", label: "On hold" },
  { key: "transferred_at", label: "Transferred" },
  { key: "ended_at", label: "Ended" },
];

const COST_ORDER = ["call_seconds", "asr_seconds", "tts_characters", "llm_input_tokens", "llm_output_tokens"];

function sortCost(lines: CallDetail["cost"]): CallDetail["cost"] {
  const rank = (kind: string) => (COST_ORDER.includes(kind) ? COST_ORDER.indexOf(kind) : COST_ORDER.length);
  return [...lines].sort((a, b) => rank(a.kind) - rank(b.kind));
}

function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function CallDetailPage() {
  const id = Number(useParams().id);
  const [call, setCall] = useState<CallDetail | null>(null);
  const [error, setError] = useState<string | null>(null);

  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (!Number.isInteger(id) || id <= 0) return;
    const controller = new AbortController();
    callsApi.get(id, controller.signal).then(setCall, (e: unknown) => {
      if (controller.signal.aborted) return;
      setError(e instanceof ApiError && e.status === 404 ? "This call does not exist in this workspace." : `Could not load the call: ${errorMessage(e)}`);
    });
    return () => controller.abort();
  }, [id, generation]);

  const problem = !Number.isInteger(id) || id <= 0 ? "This address does not name a call." : error;
  return (
    <div className="page">
      <Link to="/calls" className="btn btn-ghost btn-sm" style={{ marginBottom: 8 }}>
        ← All calls
      </Link>
      {problem ? (
        <div className="alert alert-error" role="alert">
          {problem}
        </div>
      ) : !call ? (
        <div className="loading" role="status">
          <div className="spinner" aria-label="Loading" />
        </div>
      ) : (
        <CallDetailView call={call} reload={() => setGeneration((g) => g + 1)} />
      )}
    </div>
  );
}

function CallDetailView({ call, reload }: { call: CallDetail; reload: () => void }) {
  const tools = call.events.filter((e) => e.kind !== "lifecycle");
  const [playhead, setPlayhead] = useState<RecordingPlayhead | null>(null);
  const player = useRef<((seconds: number) => void) | null>(null);
  const recordedFrom = playhead?.recording.started_at ?? null;
  // Nothing is highlighted before the recording has been played.
  const activeTurn = playhead && playhead.seconds > 0 ? activeTurnAt(call.turns, playhead.recording.started_at, playhead.seconds) : null;
  const playFrom = (seconds: number) => player.current?.(seconds);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>{callParties(call)}</h1>
          <p>
            <span className={statusBadgeClass(call.status)}>{STATUS_LABELS[call.status]}</span> {pipelineLabel(call)}
            {call.is_test && <span className="badge" style={{ marginLeft: 6 }}>test</span>}
          </p>
        </div>
        <CallToScenario callId={call.id} hasPipeline={call.pipeline_id !== null && call.turns.length > 0} />
      </div>
      <div className="call-detail-grid">
        <div>
          {call.status === "ended" && <RecordingCard callId={call.id} onPlayhead={setPlayhead} playFromRef={player} />}
          <CallAnalysisCard callId={call.id} analysis={call.analysis} ended={call.status === "ended"} onChanged={reload} />
          <section className="card" aria-labelledby="transcript-title">
            <h2 id="transcript-title">Transcript</h2>
            {call.turns.length === 0 ? (
              <p className="muted">No turns were recorded.</p>
            ) : (
              call.turns.map((turn) => <TurnView key={turn.sequence} turn={turn} active={turn.sequence === activeTurn} offset={recordedFrom ? Math.max(0, turnOffset(turn, recordedFrom)) : null} onPlayFrom={playFrom} />)
            )}
          </section>
          <section className="card" aria-labelledby="tools-title">
            <h2 id="tools-title">Tools and actions</h2>
            {tools.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <table className="variables-table" data-testid="call-tools">
                <tbody>
                  {tools.map((event, i) => (
                    <tr key={`${event.occurred_at}-${i}`}>
                      <td className="muted">{clock(event.occurred_at)}</td>
                      <td>
                        <span className="badge">{event.kind}</span> <strong>{event.name}</strong>
                      </td>
                      <td className="mono">{Object.keys(event.data).length > 0 ? JSON.stringify(event.data) : ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
        <div>
          <section className="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">Timeline</h2>
            <ol className="timeline" data-testid="call-timeline">
              {LIFECYCLE_STEPS.map(({ key, label }) => {
                const at = call.lifecycle[key];
                return (
                  <li key={key} className={at ? undefined : "pending"}>
                    {label}
                    <span className="when">{at ? clock(at) : "—"}</span>
                  </li>
                );
              })}
            </ol>
            <dl className="facts" style={{ marginTop: 12 }}>
              <dt>Direction</dt>
              <dd>{directionLabel(call)}</dd>
              <dt>Number</dt>
              <dd className="mono">{call.number ?? "—"}</dd>
              <dt>Duration</dt>
              <dd>{formatDuration(call.duration_s)}</dd>
              <dt>Ended because</dt>
              <dd>{call.end_reason_label || (call.status === "ended" ? "—" : "Still in progress")}</dd>
              {call.transfer_target && (
                <>
                  <dt>Transferred to</dt>
                  <dd className="mono">{call.transfer_target}</dd>
                </>
              )}
              <dt>Room</dt>
              <dd className="mono">{call.room_name}</dd>
            </dl>
          </section>
          <section className="card" aria-labelledby="cost-title">
            <h2 id="cost-title">Cost</h2>
            {call.cost.length === 0 ? (
              <p className="muted">No credits charged yet.</p>
            ) : (
              <table className="variables-table" data-testid="call-cost">
                <tbody>
                  {sortCost(call.cost).map((line) => (
                    <tr key={line.kind}>
                      <td>{line.label}</td>
                      <td className="num muted">{costQuantity(line.kind, line.quantity)}</td>
                      <td className="num">{formatCredits(line.credits)}</td>
                    </tr>
                  ))}
                  <tr>
                    <th scope="row" style={{ textAlign: "left" }}>
                      Total
                    </th>
                    <td />
                    <td className="num strong">{formatCredits(call.total_credits)}</td>
                  </tr>
                </tbody>
              </table>
            )}
          </section>
        </div>
      </div>
    </>
  );
}

function TurnView({ turn, active, offset, onPlayFrom }: { turn: CallTurn; active: boolean; offset: number | null; onPlayFrom: (seconds: number) => void }) {
  const latencies = Object.entries(turn.latencies);
  const steps = turn.trace.nodes ?? [];
  const block = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (active) block.current?.scrollIntoView?.({ block: "nearest" });
  }, [active]);
  return (
    <div ref={block} className={`turn-block chat${active ? " playing" : ""}`} data-testid="call-turn" aria-current={active ? "true" : undefined}>
      {offset !== null && (
        <button type="button" className="btn btn-ghost btn-sm turn-seek" onClick={() => onPlayFrom(offset)} aria-label={`Play the recording from ${clockOf(offset)}`}>
          ▶ {clockOf(offset)}
        </button>
      )}
      {turn.user_text && <div className="chat-message user">{turn.user_text}</div>}
      {turn.agent_text && (
        <div className="chat-message agent">
          {turn.agent_text}
          {turn.interrupted && <span className="badge badge-warning" style={{ marginLeft: 6 }}>interrupted</span>}
          {turn.fallback && <span className="badge badge-warning" style={{ marginLeft: 6 }}>fallback</span>}
        </div>
      )}
      {latencies.length > 0 && (
        <div className="latency-row" aria-label={`Latencies of turn ${turn.sequence}`}>
          <Icon name="history" size={14} />
          {latencies.map(([key, value]) => (
            <span key={key} className="badge">
              {latencyLabel(key)} {formatMs(value)}
            </span>
          ))}
        </div>
      )}
      {steps.length > 0 && (
        <details className="trace">
          <summary>
            {traceSummary(steps.length, turn.trace.ms)}
            {turn.reason && turn.reason !== "completed" ? ` · ${turn.reason}` : ""}
          </summary>
          <table>
            <tbody>
              {steps.map((step, i) => (
                <tr key={`${step.node_id}-${i}`}>
                  <td className="mono">{step.node_id}</td>
                  <td style={{ color: step.error ? "var(--danger)" : undefined }}>
                    {step.error ?? (step.branch ? `→ ${step.branch}` : typeof step.output === "string" ? step.output.slice(0, 80) : "")}
                    {step.tools?.map((t) => (
                      <div key={t.name} className="muted mono">
                        tool {t.name}
                      </div>
                    ))}
                  </td>
                  <td className="ms">{formatMs(step.ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </div>
  );
}
