/** Keeps the live calls store in step with /ws/calls/: seeds it from the API, applies each event, reconnects. */
import { useEffect, useRef, useState } from "react";
import { callsApi, callsSocketUrl, type CallFeedMessage } from "../api/calls";
import { errorMessage } from "../api/client";
import { callsNotLoaded, useLiveCalls } from "./liveCalls";

export type FeedStatus = { state: "connecting" | "open" } | { state: "closed"; message: string };

const CLOSE_REASONS: Record<number, string> = {
  4401: "Your session has ended. Sign in again to follow live calls.",
  4403: "Your role may not follow live calls in this workspace.",
};
const RECONNECT_MS = 3000;

async function seedFromApi(): Promise<void> {
  const page = await callsApi.list({ live: true, limit: 100 });
  useLiveCalls.getState().seed(page.items);
}

function loadMissingDetails(requested: Set<number>): void {
  for (const id of callsNotLoaded(useLiveCalls.getState())) {
    if (requested.has(id)) continue;
    requested.add(id);
    callsApi.get(id).then(
      (detail) => useLiveCalls.getState().attach(detail),
      () => requested.delete(id),
    );
  }
}

/** `onCallEnded` runs whenever a call ends (the history can reload then). */
export function useCallFeed(onCallEnded: () => void): FeedStatus {
  const [status, setStatus] = useState<FeedStatus>({ state: "connecting" });
  const endedRef = useRef(onCallEnded);
  useEffect(() => {
    endedRef.current = onCallEnded;
  }, [onCallEnded]);

  useEffect(() => {
    const requested = new Set<number>();
    let socket: WebSocket | null = null;
    let retry: number | undefined;
    let stopped = false;

    const connect = () => {
      const current = new WebSocket(callsSocketUrl());
      socket = current;
      current.onopen = () => setStatus({ state: "open" });
      current.onmessage = (event: MessageEvent<string>) => {
        let message: CallFeedMessage;
        try {
          message = JSON.parse(event.data) as CallFeedMessage;
        } catch {
          return;
        }
        if (message.type === "ready") {
          // (Re)connected: what happened while away comes from the API.
          requested.clear();
          seedFromApi().then(
            () => loadMissingDetails(requested),
            (e: unknown) => setStatus({ state: "closed", message: `Could not load the calls in progress: ${errorMessage(e)}` }),
          );
          return;
        }
        useLiveCalls.getState().apply(message);
        if (message.type === "call_event" && message.kind === "ended") endedRef.current();
        loadMissingDetails(requested);
      };
      current.onclose = (event) => {
        if (stopped || socket !== current) return;
        const refused = CLOSE_REASONS[event.code];
        if (refused) {
          setStatus({ state: "closed", message: refused });
          return;
        }
        setStatus({ state: "closed", message: "The live connection was lost; reconnecting…" });
        retry = window.setTimeout(connect, RECONNECT_MS);
      };
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(retry);
      socket?.close();
      useLiveCalls.getState().clear();
    };
  }, []);
  return status;
}
