/** Where a recording's playhead is in the call: which turn it is in, and where each turn starts. */

export interface TimedTurn {
  sequence: number;
  started_at: string;
}

/** Seconds into the recording at which the turn began (may be negative: before recording). */
export function turnOffset(turn: TimedTurn, recordingStartedAt: string): number {
  return (Date.parse(turn.started_at) - Date.parse(recordingStartedAt)) / 1000;
}

/** The turn being heard at ``seconds`` into the recording: the last to have begun by then. */
export function activeTurnAt(turns: readonly TimedTurn[], recordingStartedAt: string, seconds: number): number | null {
  let active: number | null = null;
  let latest = -Infinity;
  for (const turn of turns) {
    const offset = turnOffset(turn, recordingStartedAt);
    if (offset <= seconds && offset >= latest) {
      latest = offset;
      active = turn.sequence;
    }
  }
  return active;
}

/** m:ss of a playhead. */
export function clockOf(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}
