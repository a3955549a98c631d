/** Chat with the draft over the test websocket; nodes light up on the canvas as each turn runs. */
import { useEffect, useId, useRef, useState } from "react";
import type { ReplayTurn } from "../flowTests/suiteModel";
import { useReplay } from "../flowTests/useReplay";
import { Link } from "react-router";
import { useShallow } from "zustand/react/shallow";
import { Icon } from "../../ui/Icon";
import { SET_UP_MODELS_PATH } from "../forms/ModelField";
import { useGraphStore } from "../store/graphStore";
import { NEEDS_MODEL } from "../store/problems";
import { TurnTraceView } from "./TurnTraceView";
import { useTestSession } from "./useTestSession";
import { useVoiceAvailability } from "./useVoiceAvailability";
import { useVoiceCall } from "./useVoiceCall";
import { isCallInProgress, VOICE_PHASE_LABELS } from "./voiceCall";
import "./voiceCall.css";

type Tab = "chat" | "variables";

interface TestPanelProps {
  pipelineId: number;
  /** saves pending edits, so that a reset tests what is on screen */
  beforeReset: () => Promise<void>;
  onClose: () => void;
  /** a scenario's caller turns, said one after another once the greeting is over */
  replay?: ReplayTurn[];
}

export function TestPanel({ pipelineId, beforeReset, onClose, replay }: TestPanelProps) {
  const session = useTestSession(pipelineId);
  useReplay(replay, session);
  const { transcript, status, closeReason, say, pressDigits } = session;
  const reset = () => void beforeReset().catch(() => undefined).finally(session.reset);
  const [tab, setTab] = useState<Tab>("chat");
  const voice = useVoiceAvailability();
  const voiceCall = useVoiceCall(pipelineId);
  const onCall = isCallInProgress(voiceCall.state);
  const scrollRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    scrollRef.current?.scrollTo({ top: scrollRef.current.scrollHeight });
  }, [transcript.entries]);

  const variables = Object.entries(transcript.variables);
  return (
    <aside className="side-panel side-panel-wide" aria-label="Test panel">
      <div className="panel-header">
        <div>
          <h2 style={{ fontSize: 14 }}>Test the draft</h2>
          <span className="muted" style={{ fontSize: 12 }} role="status" data-testid="test-status">
            {status === "open" ? "Connected" : status === "connecting" ? "Connecting…" : (closeReason ?? "Disconnected")}
          </span>
        </div>
        <div style={{ display: "flex", gap: 4 }}>
          <button
            type="button"
            className="btn btn-sm"
            disabled={!voice?.available || onCall}
            onClick={voiceCall.start}
            title={voice && !voice.available ? voice.reason : "Talk to the draft through your microphone"}
            aria-label={voice && !voice.available ? `Call (unavailable: ${voice.reason})` : "Call"}
          >
            <Icon name="mic" size={14} /> Call
          </button>
          <button type="button" className="btn btn-sm" onClick={reset} title="Start a new conversation">
            <Icon name="refresh" size={14} /> Reset
          </button>
          <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label="Close test panel" onClick={onClose}>
            <Icon name="x" />
          </button>
        </div>
      </div>
      {voice && !voice.available && (
        <div className="muted" style={{ fontSize: 12, padding: "6px 14px", borderBottom: "1px solid var(--border)" }}>
          {voice.reason}
        </div>
      )}
      <NeedsModelNotice />
      {voiceCall.state.phase !== "idle" && (
        <div className="voice-call-bar" role="status" data-testid="voice-call-status">
          <span className={onCall ? "badge badge-dot badge-success" : voiceCall.state.phase === "failed" ? "badge badge-danger" : "badge"}>{VOICE_PHASE_LABELS[voiceCall.state.phase]}</span>
          {"message" in voiceCall.state && <span className="muted">{voiceCall.state.message}</span>}
          {onCall && (
            <button type="button" className="btn btn-danger btn-sm" style={{ marginLeft: "auto" }} onClick={voiceCall.hangUp}>
              <Icon name="phone" size={14} /> Hang up
            </button>
          )}
        </div>
      )}
      {transcript.draftChanged && (
        <div className="alert alert-info" style={{ margin: "8px 12px 0" }}>
          The draft changed since this test started.{" "}
          <button type="button" className="trace-link" onClick={reset}>
            Reset to test the latest
          </button>
        </div>
      )}
      <div className="tabs" role="tablist" aria-label="Test views">
        <button type="button" role="tab" className="tab" aria-selected={tab === "chat"} onClick={() => setTab("chat")}>
          Conversation
        </button>
        <button type="button" role="tab" className="tab" aria-selected={tab === "variables"} onClick={() => setTab("variables")}>
          Variables {variables.length > 0 && <span className="badge">{variables.length}</span>}
        </button>
      </div>
      <div className="panel-body" ref={scrollRef} role="tabpanel">
        {tab === "chat" ? (
          <div className="chat" aria-live="polite" data-testid="transcript">
            {transcript.entries.map((entry) => (
              <div key={entry.id} style={{ display: "flex", flexDirection: "column", alignItems: entry.kind === "user" ? "flex-end" : "stretch" }}>
                <div className={`chat-message ${entry.kind}`} data-kind={entry.kind}>
                  {entry.text}
                  {entry.fallback && <span className="badge badge-warning" style={{ marginLeft: 6 }}>fallback</span>}
                </div>
                {entry.trace && entry.trace.nodes.length > 0 && <TurnTraceView trace={entry.trace} />}
              </div>
            ))}
          </div>
        ) : variables.length === 0 ? (
          <p className="muted">No variables set yet.</p>
        ) : (
          <table className="variables-table">
            <tbody>
              {variables.map(([name, value]) => (
                <tr key={name}>
                  <td style={{ fontWeight: 600 }}>{name}</td>
                  <td>{JSON.stringify(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <Composer disabled={status !== "open" || transcript.ended} awaitingDigits={transcript.awaitingDigits} onSay={say} onDigits={pressDigits} />
    </aside>
  );
}

function Composer({ disabled, awaitingDigits, onSay, onDigits }: { disabled: boolean; awaitingDigits: boolean; onSay: (t: string) => void; onDigits: (d: string) => void }) {
  const [text, setText] = useState("");
  const [digits, setDigits] = useState("");
  const [showKeys, setShowKeys] = useState(false);
  const digitsId = useId();
  const keysVisible = showKeys || awaitingDigits;
  return (
    <div>
      {keysVisible && (
        <form
          className="chat-compose"
          onSubmit={(e) => {
            e.preventDefault();
            if (!/^[0-9*#]+$/.test(digits)) return;
            onDigits(digits);
            setDigits("");
          }}
        >
          <label htmlFor={digitsId} className="visually-hidden">
            Keys to press
          </label>
          <input
            id={digitsId}
            className="input mono"
            placeholder="Keys, e.g. 12#"
            value={digits}
            inputMode="tel"
            pattern="[0-9*#]+"
            onChange={(e) => setDigits(e.target.value.replace(/[^0-9*#]/g, ""))}
            disabled={disabled}
            autoFocus={awaitingDigits}
          />
          <button type="submit" className="btn" disabled={disabled || digits === ""}>
            Press keys
          </button>
        </form>
      )}
      <form
        className="chat-compose"
        onSubmit={(e) => {
          e.preventDefault();
          if (!text.trim()) return;
          onSay(text.trim());
          setText("");
        }}
      >
        <input className="input" placeholder="Say something as the caller…" aria-label="Message to the pipeline" value={text} onChange={(e) => setText(e.target.value)} disabled={disabled} />
        <button type="button" className="btn btn-icon" aria-label={keysVisible ? "Hide keypad" : "Show keypad"} aria-pressed={keysVisible} onClick={() => setShowKeys((s) => !s)} title="Phone keys (DTMF)">
          #
        </button>
        <button type="submit" className="btn btn-primary btn-icon" aria-label="Send" disabled={disabled || !text.trim()}>
          <Icon name="send" size={15} />
        </button>
      </form>
    </div>
  );
}

/** Which nodes cannot answer until the workspace has a language model: said before the designer tries them. */
function NeedsModelNotice() {
  const titles = useGraphStore(
    useShallow((s) => {
      const ids = new Set(s.problems.filter((p) => p.code === NEEDS_MODEL).map((p) => p.node_id));
      return s.nodes.filter((n) => ids.has(n.id)).map((n) => n.data.label || s.catalog[n.type ?? ""]?.label || "A node");
    }),
  );
  if (titles.length === 0) return null;
  return (
    <div className="alert alert-warning" style={{ margin: "8px 12px 0" }} role="status" data-testid="needs-model">
      <strong>{titles.join(", ")}</strong> {titles.length === 1 ? "needs" : "need"} a language model: until one is set up, {titles.length === 1 ? "it answers" : "they answer"} with the fallback line. Paths
      that use keywords work now. <Link to={SET_UP_MODELS_PATH}>Set one up</Link>
    </div>
  );
}
