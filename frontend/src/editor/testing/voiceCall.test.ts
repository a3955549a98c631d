import { beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import { VoiceCall, type VoiceCallState } from "./voiceCall";
import { openLivekitRoom } from "./voiceRoom";

type Handler = (...args: unknown[]) => void;

/** A stand-in for livekit-client's Room: records calls, lets a test fire room events. */
class FakeRoom {
  static last: FakeRoom | null = null;
  static connectError: Error | null = null;
  static micError: Error | null = null;
  static agentAlreadyThere = false;
  handlers = new Map<string, Handler[]>();
  remoteParticipants = new Map<string, unknown>();
  connect = vi.fn(async (_url: string, _token: string) => {
    if (FakeRoom.connectError) throw FakeRoom.connectError;
    if (FakeRoom.agentAlreadyThere) this.remoteParticipants.set("agent", {});
  });
  disconnect = vi.fn(async () => {
    this.emit("disconnected");
  });
  localParticipant = {
    setMicrophoneEnabled: vi.fn(async (_on: boolean) => {
      if (FakeRoom.micError) throw FakeRoom.micError;
    }),
  };
  constructor() {
    FakeRoom.last = this;
  }
  on(event: string, handler: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }
  emit(event: string, ...args: unknown[]) {
    for (const handler of this.handlers.get(event) ?? []) handler(...args);
  }
}

vi.mock("livekit-client", () => ({
  Room: FakeRoom,
  RoomEvent: {
    TrackSubscribed: "trackSubscribed",
    TrackUnsubscribed: "trackUnsubscribed",
    ParticipantConnected: "participantConnected",
    Disconnected: "disconnected",
  },
  Track: { Kind: { Audio: "audio", Video: "video" } },
}));

const SESSION = { url: "ws://livekit.test", room: "test-1", token: "jwt", call_id: 42 };

function makeCall(startSession = vi.fn(async () => SESSION)) {
  const states: VoiceCallState[] = [];
  const call = new VoiceCall((s) => states.push(s), { startSession, openRoom: openLivekitRoom });
  return { call, states, phases: () => states.map((s) => s.phase), startSession };
}

function room(): FakeRoom {
  if (!FakeRoom.last) throw new Error("no room was made");
  return FakeRoom.last;
}

describe("a voice test call", () => {
  beforeEach(() => {
    FakeRoom.last = null;
    FakeRoom.connectError = null;
    FakeRoom.micError = null;
    FakeRoom.agentAlreadyThere = false;
    document.body.innerHTML = "";
  });

  it("joins the room with the session's token, publishes the microphone and waits for the agent", async () => {
    const { call, phases, startSession } = makeCall();
    await call.start(7);
    expect(startSession).toHaveBeenCalledWith(7);
    expect(room().connect).toHaveBeenCalledWith("ws://livekit.test", "jwt");
    expect(room().localParticipant.setMicrophoneEnabled).toHaveBeenCalledWith(true);
    expect(phases()).toEqual(["starting", "connecting", "waiting_for_agent"]);
    room().emit("participantConnected", { identity: "agent" });
    expect(call.current).toEqual({ phase: "live", callId: 42 });
  });

  it("is live at once when the agent is already in the room", async () => {
    FakeRoom.agentAlreadyThere = true;
    const { call } = makeCall();
    await call.start(7);
    expect(call.current.phase).toBe("live");
  });

  it("plays the agent's audio and removes the player when the track goes", async () => {
    const { call } = makeCall();
    await call.start(7);
    const element = document.createElement("audio");
    const track = { kind: "audio", attach: () => element, detach: () => [element] };
    room().emit("trackSubscribed", track);
    expect(document.querySelector('[data-voice-test="agent-audio"]')).toBe(element);
    room().emit("trackUnsubscribed", track);
    expect(document.querySelector("audio")).toBeNull();
    room().emit("trackSubscribed", { kind: "video", attach: vi.fn() });
    expect(document.querySelector("video")).toBeNull();
  });

  it("hangs up: leaves the room and says so", async () => {
    const { call } = makeCall();
    await call.start(7);
    room().emit("participantConnected", {});
    await call.hangUp();
    expect(room().disconnect).toHaveBeenCalled();
    expect(call.current).toEqual({ phase: "ended", message: "You hung up." });
  });

  it("ends when the room closes from the other side", async () => {
    const { call } = makeCall();
    await call.start(7);
    room().emit("participantConnected", {});
    room().emit("disconnected");
    expect(call.current).toEqual({ phase: "ended", message: "The call ended." });
  });

  it("explains each failure a person can hit", async () => {
    const refused = makeCall(vi.fn(async () => Promise.reject(new ApiError(409, { code: "livekit_disabled", message: "LiveKit is not configured." }))));
    await refused.call.start(7);
    expect(refused.call.current).toEqual({ phase: "failed", message: "LiveKit is not configured." });

    FakeRoom.connectError = new Error("could not establish signal connection");
    const unreachable = makeCall();
    await unreachable.call.start(7);
    expect(unreachable.call.current).toEqual({ phase: "failed", message: "Could not join the LiveKit room: could not establish signal connection" });

    FakeRoom.connectError = null;
    FakeRoom.micError = Object.assign(new Error("Permission denied"), { name: "NotAllowedError" });
    const noMic = makeCall();
    await noMic.call.start(7);
    expect(noMic.call.current.phase).toBe("failed");
    expect(noMic.call.current).toMatchObject({ message: expect.stringMatching(/did not allow the microphone/) });
    expect(room().disconnect).toHaveBeenCalled();
  });

  it("a hang-up while the call is still starting wins over the late answer", async () => {
    let answer: (s: typeof SESSION) => void = () => undefined;
    const { call, phases } = makeCall(vi.fn(() => new Promise<typeof SESSION>((resolve) => (answer = resolve))));
    const started = call.start(7);
    await call.hangUp();
    answer(SESSION);
    await started;
    expect(FakeRoom.last).toBeNull();
    expect(phases()).toEqual(["starting", "ended"]);
  });

  it("ignores a second start while a call is in progress", async () => {
    const { call, startSession } = makeCall();
    await call.start(7);
    await call.start(7);
    expect(startSession).toHaveBeenCalledTimes(1);
  });
});
