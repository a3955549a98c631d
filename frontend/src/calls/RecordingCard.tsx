/** A call's recording: a player over the waveform of both channels (caller above, agent below),
 * download for the roles that may, and who played or downloaded it (for those same roles). */
import { useCallback, useEffect, useRef, useState, type RefObject } from "react";
import { callsApi, type CallRecording, type RecordingAccess } from "../api/calls";
import { ApiError, errorMessage } from "../api/client";
import { PERMISSIONS, useCan } from "../app/session";
import { clockOf } from "./playback";

const LANES = ["Caller", "Agent"] as const;
const WAVE_WIDTH = 800;
const WAVE_HEIGHT = 96;
const SEEK_STEP_S = 5;

export interface RecordingPlayhead {
  recording: CallRecording;
  seconds: number;
}

interface Props {
  callId: number;
  /** The playhead as it moves, for the transcript to follow. */
  onPlayhead: (playhead: RecordingPlayhead | null) => void;
  /** Set by the player: plays from a moment (a turn clicked in the transcript). */
  playFromRef: RefObject<((seconds: number) => void) | null>;
}

export function RecordingCard(props: Props) {
  const canListen = useCan(PERMISSIONS.recordingsListen);
  if (!canListen) return null;
  return <RecordingLoader {...props} />;
}

function RecordingLoader({ callId, onPlayhead, playFromRef }: Props) {
  const [recording, setRecording] = useState<CallRecording | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    callsApi.recording(callId, controller.signal).then(
      (found) => {
        setRecording(found);
        onPlayhead({ recording: found, seconds: 0 });
      },
      (e: unknown) => {
        if (controller.signal.aborted) return;
        setProblem(e instanceof ApiError && e.status === 404 ? "This call was not recorded." : `Could not load the recording: ${errorMessage(e)}`);
      },
    );
    return () => controller.abort();
  }, [callId, onPlayhead]);

  return (
    <section className="card recording-card" aria-labelledby="recording-title">
      <h2 id="recording-title">Recording</h2>
      {problem ? <p className="muted">{problem}</p> : !recording ? <div className="spinner" aria-label="Loading the recording" /> : <Player recording={recording} onPlayhead={onPlayhead} playFromRef={playFromRef} />}
    </section>
  );
}

function Player({ recording, onPlayhead, playFromRef }: { recording: CallRecording; onPlayhead: Props["onPlayhead"]; playFromRef: Props["playFromRef"] }) {
  const audio = useRef<HTMLAudioElement>(null);
  const [seconds, setSeconds] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [plays, setPlays] = useState(0);
  const duration = recording.duration_s;

  const moved = useCallback(
    (at: number) => {
      setSeconds(at);
      onPlayhead({ recording, seconds: at });
    },
    [recording, onPlayhead],
  );
  const seek = useCallback(
    (at: number) => {
      const element = audio.current;
      const clamped = Math.min(Math.max(at, 0), duration);
      if (element) element.currentTime = clamped;
      moved(clamped);
    },
    [duration, moved],
  );

  useEffect(() => {
    playFromRef.current = (at: number) => {
      seek(at);
      void audio.current?.play().catch(() => undefined);
    };
    return () => {
      playFromRef.current = null;
    };
  }, [playFromRef, seek]);

  const toggle = () => {
    const element = audio.current;
    if (!element) return;
    if (element.paused) void element.play().catch(() => undefined);
    else element.pause();
  };

  return (
    <div className="recording-player" data-testid="recording-player">
      <audio
        ref={audio}
        src={recording.audio_path}
        preload="none"
        onTimeUpdate={(e) => moved(e.currentTarget.currentTime)}
        onPlay={() => {
          setPlaying(true);
          setPlays((n) => n + 1);
        }}
        onPause={() => setPlaying(false)}
        onEnded={() => setPlaying(false)}
      />
      <div className="recording-controls">
        <button type="button" className="btn btn-primary btn-sm" onClick={toggle} aria-label={playing ? "Pause the recording" : "Play the recording"}>
          {playing ? "Pause" : "Play"}
        </button>
        <span className="mono" aria-live="off">
          {clockOf(seconds)} / {clockOf(duration)}
        </span>
        <span className="muted">
          {recording.channels === 2 ? "Caller and agent, two channels" : `${recording.channels} channel(s)`} · {(recording.size_bytes / 1024).toFixed(0)} KB
        </span>
        {recording.partial && (
          <span className="badge badge-warning" title="The worker stopped in the middle of the call: the file ends where its last write did.">
            partial
          </span>
        )}
        {recording.download_path && (
          <a className="btn btn-sm" href={recording.download_path} download>
            Download
          </a>
        )}
      </div>
      <Waveform peaks={recording.peaks} fraction={duration > 0 ? seconds / duration : 0} duration={duration} seconds={seconds} onSeek={(fraction) => seek(fraction * duration)} onStep={(delta) => seek(seconds + delta)} />
      {recording.download_path && <AccessLog callId={recording.call_id} refresh={plays} />}
    </div>
  );
}

function Waveform({ peaks, fraction, duration, seconds, onSeek, onStep }: { peaks: number[][]; fraction: number; duration: number; seconds: number; onSeek: (fraction: number) => void; onStep: (deltaS: number) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const context = canvas.current?.getContext("2d");
    if (!context) return;
    drawWaveform(context, peaks, fraction);
  }, [peaks, fraction]);

  return (
    <div className="waveform">
      <div className="waveform-lanes" aria-hidden="true">
        {LANES.map((lane) => (
          <span key={lane}>{lane}</span>
        ))}
      </div>
      <canvas
        ref={canvas}
        width={WAVE_WIDTH}
        height={WAVE_HEIGHT}
        role="slider"
        tabIndex={0}
        aria-label="Position in the recording"
        aria-valuemin={0}
        aria-valuemax={Math.round(duration)}
        aria-valuenow={Math.round(seconds)}
        aria-valuetext={`${clockOf(seconds)} of ${clockOf(duration)}`}
        onClick={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          onSeek((e.clientX - box.left) / box.width);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
            e.preventDefault();
            onStep(e.key === "ArrowRight" ? SEEK_STEP_S : -SEEK_STEP_S);
          }
        }}
      />
    </div>
  );
}

/** Both channels as mirrored bars in their own lane; what has played is in the accent color. */
function drawWaveform(context: CanvasRenderingContext2D, peaks: number[][], fraction: number) {
  const { width, height } = context.canvas;
  const styles = getComputedStyle(context.canvas);
  const played = styles.getPropertyValue("--accent").trim() || "#4f46e5";
  const ahead = styles.getPropertyValue("--border-strong").trim() || "#cdd2da";
  context.clearRect(0, 0, width, height);
  const laneHeight = height / LANES.length;
  peaks.slice(0, LANES.length).forEach((channel, lane) => {
    const middle = laneHeight * lane + laneHeight / 2;
    const barWidth = width / Math.max(channel.length, 1);
    channel.forEach((peak, i) => {
      const x = i * barWidth;
      const half = Math.max(0.5, peak * (laneHeight / 2 - 2));
      context.fillStyle = x / width < fraction ? played : ahead;
      context.fillRect(x, middle - half, Math.max(barWidth - 0.5, 0.5), half * 2);
    });
  });
  context.fillStyle = played;
  context.fillRect(Math.round(fraction * width), 0, 2, height);
}

function AccessLog({ callId, refresh }: { callId: number; refresh: number }) {
  const [accesses, setAccesses] = useState<RecordingAccess[] | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    // A play is logged when its request reaches the server: read the log just after.
    const timer = window.setTimeout(
      () => {
        callsApi.recordingAccesses(callId, controller.signal).then(setAccesses, () => {
          if (!controller.signal.aborted) setAccesses([]);
        });
      },
      refresh > 0 ? 500 : 0,
    );
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [callId, refresh]);

  return (
    <details className="recording-access" open={accesses !== null && accesses.length > 0 && accesses.length <= 5}>
      <summary>Access log{accesses ? ` · ${accesses.length}` : ""}</summary>
      {accesses && accesses.length === 0 ? (
        <p className="muted">Nobody has played or downloaded it yet.</p>
      ) : (
        <table className="variables-table" data-testid="recording-accesses">
          <tbody>
            {(accesses ?? []).map((access, i) => (
              <tr key={`${access.occurred_at}-${i}`}>
                <td className="muted">{new Date(access.occurred_at).toLocaleString()}</td>
                <td>{access.username}</td>
                <td>{access.kind_label}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
