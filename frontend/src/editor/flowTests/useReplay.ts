/** Replays a scenario in the test panel: each caller turn is sent once the previous turn (the
 * greeting first) has ended, so the canvas lights the nodes as the suite's run went. */
import { useEffect, useRef } from "react";
import type { Transcript } from "../testing/transcript";
import type { ReplayTurn } from "./suiteModel";

interface Session {
  status: "connecting" | "open" | "closed";
  transcript: Transcript;
  say: (text: string) => void;
  pressDigits: (digits: string) => void;
}

export function useReplay(turns: ReplayTurn[] | undefined, session: Session): void {
  const sent = useRef(0);
  const { status, transcript, say, pressDigits } = session;
  useEffect(() => {
    sent.current = 0;
  }, [turns]);
  useEffect(() => {
    if (!turns || status !== "open" || transcript.ended) return;
    const done = transcript.turnsDone;
    if (done === 0 || sent.current >= turns.length || done !== sent.current + 1) return;
    const turn = turns[sent.current];
    sent.current += 1;
    if (!turn) return;
    if ("text" in turn) say(turn.text);
    else pressDigits(turn.digits);
  }, [turns, status, transcript.turnsDone, transcript.ended, say, pressDigits]);
}
