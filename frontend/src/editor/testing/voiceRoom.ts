/**
 * The LiveKit room of a browser voice test, behind a small interface: join, publish the
 * microphone, play the agent's audio, leave. livekit-client is loaded only when a call starts.
 */

export interface VoiceRoomEvents {
  /** someone else (the voice worker's agent) joined the room */
  onAgentJoined: () => void;
  /** the room closed: hung up here, by the agent, or the connection dropped */
  onDisconnected: () => void;
}

export interface VoiceRoom {
  connect: (url: string, token: string) => Promise<void>;
  enableMicrophone: () => Promise<void>;
  /** whether the agent is in the room already (it may join before the browser) */
  hasAgent: () => boolean;
  disconnect: () => Promise<void>;
}

export async function openLivekitRoom(events: VoiceRoomEvents): Promise<VoiceRoom> {
  const { Room, RoomEvent, Track } = await import("livekit-client");
  const room = new Room({ adaptiveStream: false, dynacast: false });
  const players = new Set<HTMLMediaElement>();
  room.on(RoomEvent.TrackSubscribed, (track) => {
    if (track.kind !== Track.Kind.Audio) return;
    const element = track.attach();
    element.dataset.voiceTest = "agent-audio";
    document.body.appendChild(element);
    players.add(element);
  });
  room.on(RoomEvent.TrackUnsubscribed, (track) => {
    for (const element of track.detach()) {
      players.delete(element);
      element.remove();
    }
  });
  room.on(RoomEvent.ParticipantConnected, () => events.onAgentJoined());
  room.on(RoomEvent.Disconnected, () => {
    for (const element of players) element.remove();
    players.clear();
    events.onDisconnected();
  });
  return {
    connect: (url, token) => room.connect(url, token),
    enableMicrophone: async () => {
      await room.localParticipant.setMicrophoneEnabled(true);
    },
    hasAgent: () => room.remoteParticipants.size > 0,
    disconnect: () => room.disconnect(),
  };
}
