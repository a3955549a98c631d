import type { UsageRow } from "../api/credits";
import { formatCredits } from "./format";

/** Credits per day as bars, split by what they paid for. */
export function UsageChart({ rows }: { rows: UsageRow[] }) {
  const max = Math.max(1, ...rows.map((r) => Number(r.total_credits)));
  const parts = (r: UsageRow) => [
    { key: "call", value: Number(r.call_credits), color: "#4f46e5" },
    { key: "asr", value: Number(r.asr_credits), color: "#0ea5e9" },
    { key: "tts", value: Number(r.tts_credits), color: "#14b8a6" },
    { key: "llm", value: Number(r.llm_credits), color: "#a855f7" },
  ];
  return (
    <figure className="usage-chart" aria-label="Credits used per day">
      <div className="usage-bars">
        {rows.map((r) => (
          <div key={r.key} className="usage-bar" title={`${r.label}: ${formatCredits(r.total_credits)} credits`}>
            <div className="usage-bar-stack" style={{ height: `${(Number(r.total_credits) / max) * 100}%` }}>
              {parts(r).map((p) => (p.value > 0 ? <span key={p.key} style={{ flexGrow: p.value, background: p.color }} /> : null))}
            </div>
          </div>
        ))}
      </div>
      <figcaption className="usage-legend">
        <span style={{ ["--c" as string]: "#4f46e5" }}>Call minutes</span>
        <span style={{ ["--c" as string]: "#0ea5e9" }}>Speech recognition</span>
        <span style={{ ["--c" as string]: "#14b8a6" }}>Speech synthesis</span>
        <span style={{ ["--c" as string]: "#a855f7" }}>Language models</span>
      </figcaption>
    </figure>
  );
}
