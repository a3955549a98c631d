/** One websocket test session with the draft: transcript, variables, node run states. */
import { useCallback, useEffect, useRef, useState } from "react";
import { START_TYPE } from "../store/document";
import { useGraphStore } from "../store/graphStore";
import { testSocketUrl, type ClientMessage, type ServerMessage } from "./protocol";
import { applyServerMessage, emptyTranscript, userSays, type Transcript } from "./transcript";

export type SocketStatus = "connecting" | "open" | "closed";

const CLOSE_REASONS: Record<number, string> = {
  4401: "Your session has ended. Sign in again.",
  4403: "Your role may not run tests here.",
  4404: "This pipeline no longer exists.",
};

function markRun(message: ServerMessage): void {
  const { setRunStatus } = useGraphStore.getState();
  if (message.type === "node_enter") setRunStatus(message.node_id, "active");
  else if (message.type === "node_exit") setRunStatus(message.node_id, "visited", message.branch);
  else if (message.type === "turn_end") {
    // Every turn (the greeting too) runs from Start, which the trace does not list as a step.
    const start = useGraphStore.getState().nodes.find((n) => n.type === START_TYPE);
    if (start) setRunStatus(start.id, "visited", message.trace.nodes.length > 0 ? "out" : null);
    for (const step of message.trace.nodes) if (step.error) setRunStatus(step.node_id, "failed");
  }
}

export function useTestSession(pipelineId: number) {
  const [transcript, setTranscript] = useState<Transcript>(emptyTranscript);
  const [status, setStatus] = useState<SocketStatus>("connecting");
  const [closeReason, setCloseReason] = useState<string | null>(null);
  const [connection, setConnection] = useState(0);
  const socketRef = useRef<WebSocket | null>(null);

  useEffect(() => {
    const socket = new WebSocket(testSocketUrl(pipelineId, "draft"));
    socketRef.current = socket;
    socket.onopen = () => {
      setStatus("open");
      setCloseReason(null);
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return;
      }
      if (message.type === "ready") useGraphStore.getState().clearRunStatus();
      markRun(message);
      setTranscript((t) => applyServerMessage(t, message));
    };
    socket.onclose = (event) => {
      if (socketRef.current !== socket) return;
      setStatus("closed");
      setCloseReason(CLOSE_REASONS[event.code] ?? (event.wasClean ? null : "The connection to the test session was lost."));
    };
    return () => {
      socketRef.current = null;
      socket.close();
      useGraphStore.getState().clearRunStatus();
    };
  }, [pipelineId, connection]);

  const send = useCallback((message: ClientMessage) => {
    const socket = socketRef.current;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }, []);

  const say = useCallback(
    (text: string) => {
      useGraphStore.getState().clearRunStatus();
      if (send({ type: "user_message", text })) setTranscript((t) => userSays(t, text));
    },
    [send],
  );

  const pressDigits = useCallback(
    (digits: string) => {
      useGraphStore.getState().clearRunStatus();
      if (send({ type: "digits", digits })) setTranscript((t) => userSays(t, `⌗ ${digits}`));
    },
    [send],
  );

  const reset = useCallback(() => {
    useGraphStore.getState().clearRunStatus();
    setTranscript(emptyTranscript());
    if (!send({ type: "reset" })) {
      setStatus("connecting");
      setConnection((c) => c + 1);
    }
  }, [send]);

  return { transcript, status, closeReason, say, pressDigits, reset };
}
