/**
 * A browser voice test of the draft, as a small state machine: ask betool for a room
 * (POST /api/calls/voice-test), join it, publish the microphone, wait for the agent, hang up.
 */
import { callsApi, type VoiceTestSession } from "../../api/calls";
import { ApiError, errorMessage } from "../../api/client";
import { openLivekitRoom, type VoiceRoom, type VoiceRoomEvents } from "./voiceRoom";

export type VoiceCallState =
  | { phase: "idle" }
  | { phase: "starting" }
  | { phase: "connecting"; callId: number }
  | { phase: "waiting_for_agent"; callId: number }
  | { phase: "live"; callId: number }
  | { phase: "ended"; message: string }
  | { phase: "failed"; message: string };

export const VOICE_PHASE_LABELS: Record<VoiceCallState["phase"], string> = {
  idle: "",
  starting: "Starting the call…",
  connecting: "Joining the call…",
  waiting_for_agent: "Waiting for the agent to answer…",
  live: "On the call: speak to the draft",
  ended: "Call ended",
  failed: "Call failed",
};

export function isCallInProgress(state: VoiceCallState): boolean {
  return state.phase === "starting" || state.phase === "connecting" || state.phase === "waiting_for_agent" || state.phase === "live";
}

export interface VoiceCallDeps {
  startSession: (pipelineId: number) => Promise<VoiceTestSession>;
  openRoom: (events: VoiceRoomEvents) => Promise<VoiceRoom>;
}

const defaultDeps: VoiceCallDeps = { startSession: callsApi.startVoiceTest, openRoom: openLivekitRoom };

/** What a person reads when a call cannot start or join. */
export function voiceFailureMessage(error: unknown, stage: "session" | "connect" | "microphone"): string {
  if (stage === "microphone") {
    const name = error instanceof Error ? error.name : "";
    if (name === "NotAllowedError" || name === "SecurityError") return "The browser did not allow the microphone. Allow it for this site, then call again.";
    if (name === "NotFoundError") return "No microphone was found. Connect one, then call again.";
    return `The microphone could not be started: ${errorMessage(error)}`;
  }
  if (stage === "connect") return `Could not join the LiveKit room: ${errorMessage(error)}`;
  if (error instanceof ApiError) return error.message;
  return `Could not start the call: ${errorMessage(error)}`;
}

export class VoiceCall {
  private state: VoiceCallState = { phase: "idle" };
  private room: VoiceRoom | null = null;
  /** each start gets a number, so a stale start that finishes after a hang-up does nothing */
  private attempt = 0;

  constructor(
    private readonly onChange: (state: VoiceCallState) => void,
    private readonly deps: VoiceCallDeps = defaultDeps,
  ) {}

  get current(): VoiceCallState {
    return this.state;
  }

  private set(state: VoiceCallState): void {
    this.state = state;
    this.onChange(state);
  }

  async start(pipelineId: number): Promise<void> {
    if (isCallInProgress(this.state)) return;
    const attempt = ++this.attempt;
    const stale = () => attempt !== this.attempt;
    this.set({ phase: "starting" });
    let session: VoiceTestSession;
    try {
      session = await this.deps.startSession(pipelineId);
    } catch (error) {
      if (!stale()) this.set({ phase: "failed", message: voiceFailureMessage(error, "session") });
      return;
    }
    if (stale()) return;
    const callId = session.call_id;
    this.set({ phase: "connecting", callId });
    let room: VoiceRoom;
    try {
      room = await this.deps.openRoom({
        onAgentJoined: () => {
          if (!stale() && this.state.phase === "waiting_for_agent") this.set({ phase: "live", callId });
        },
        onDisconnected: () => {
          if (stale() || !isCallInProgress(this.state)) return;
          this.room = null;
          this.set({ phase: "ended", message: this.state.phase === "live" ? "The call ended." : "The call ended before the agent answered." });
        },
      });
      if (stale()) return;
      this.room = room;
      await room.connect(session.url, session.token);
    } catch (error) {
      if (!stale()) await this.fail(voiceFailureMessage(error, "connect"));
      return;
    }
    if (stale()) return;
    try {
      await room.enableMicrophone();
    } catch (error) {
      if (!stale()) await this.fail(voiceFailureMessage(error, "microphone"));
      return;
    }
    if (stale()) return;
    this.set(room.hasAgent() ? { phase: "live", callId } : { phase: "waiting_for_agent", callId });
  }

  private async fail(message: string): Promise<void> {
    this.attempt++;
    const room = this.room;
    this.room = null;
    this.set({ phase: "failed", message });
    await room?.disconnect().catch(() => undefined);
  }

  /** Leaves the room; the worker sees the caller hang up. */
  async hangUp(): Promise<void> {
    if (!isCallInProgress(this.state)) return;
    this.attempt++;
    const room = this.room;
    this.room = null;
    this.set({ phase: "ended", message: "You hung up." });
    await room?.disconnect().catch(() => undefined);
  }
}
