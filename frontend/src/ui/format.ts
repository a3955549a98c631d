/** Dates as people read them: "3 min ago", "Nov 21, 14:02". */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function relativeTime(iso: string, now = Date.now()): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return "";
  const ago = now - then;
  if (ago < MINUTE) return "just now";
  if (ago < HOUR) return `${Math.floor(ago / MINUTE)} min ago`;
  if (ago < DAY) return `${Math.floor(ago / HOUR)} h ago`;
  if (ago < 7 * DAY) return `${Math.floor(ago / DAY)} d ago`;
  return new Date(iso).toLocaleDateString(undefined, { month: "short", day: "numeric", year: "numeric" });
}

export function dateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** A turn trace's one-line summary, as the editor's test panel and a call's page show it. */
export function traceSummary(nodeCount: number, ms?: number | null): string {
  const nodes = `${nodeCount} ${nodeCount === 1 ? "node" : "nodes"}`;
  return typeof ms === "number" ? `Trace · ${nodes} · ${Math.round(ms)} ms` : `Trace · ${nodes}`;
}
