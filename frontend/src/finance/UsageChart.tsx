import { useState } from "react";
import type { UsageRow } from "../api/credits";
import { formatCredits } from "./format";

/** What the credits paid for, in the table's order and the legend's colours. */
const PARTS = [
  { key: "call_credits", label: "Call minutes", color: "#4f46e5" },
  { key: "asr_credits", label: "Speech recognition", color: "#0ea5e9" },
  { key: "tts_credits", label: "Speech synthesis", color: "#14b8a6" },
  { key: "llm_credits", label: "Language models", color: "#a855f7" },
] as const;

/** A round top for the credits axis (1, 2 or 5 times a power of ten) at or above the largest day. */
export function axisTop(largest: number): number {
  if (largest <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(largest));
  return ([1, 2, 5, 10].map((m) => m * power).find((step) => step >= largest) ?? 10 * power) as number;
}

const TICKS = [1, 0.5, 0];

/** Beside the hovered bar, on the side with room, so the tooltip never leaves the chart. */
function tooltipPlace(index: number, count: number): React.CSSProperties {
  return index < count / 2 ? { left: `${((index + 1) / count) * 100}%` } : { right: `${((count - index) / count) * 100}%` };
}

/** Credits per day as stacked bars, with a credits axis, the days below, a legend, and each day's split on hover. */
export function UsageChart({ rows }: { rows: UsageRow[] }) {
  const [hovered, setHovered] = useState<number | null>(null);
  const top = axisTop(Math.max(0, ...rows.map((r) => Number(r.total_credits))));
  // Label about six days along the axis, so the dates never overlap.
  const every = Math.max(1, Math.ceil(rows.length / 6));
  const shown = hovered !== null ? rows[hovered] : undefined;
  return (
    <figure className="usage-chart" aria-label="Credits used per day">
      <div className="usage-plot">
        <div className="usage-y-axis" aria-hidden="true">
          {TICKS.map((t) => (
            <span key={t}>{formatCredits(top * t).replace(/\.00$/, "")}</span>
          ))}
        </div>
        <div className="usage-bars" onMouseLeave={() => setHovered(null)}>
          {TICKS.map((t) => (
            <div key={t} className="usage-gridline" style={{ bottom: `${t * 100}%` }} aria-hidden="true" />
          ))}
          {rows.map((r, i) => (
            <div
              key={r.key}
              className="usage-bar"
              role="img"
              tabIndex={0}
              aria-label={`${r.label}: ${formatCredits(r.total_credits)} credits`}
              onMouseEnter={() => setHovered(i)}
              onFocus={() => setHovered(i)}
              onBlur={() => setHovered(null)}
            >
              <div className="usage-bar-stack" style={{ height: `${(Number(r.total_credits) / top) * 100}%` }}>
                {PARTS.map((p) => (Number(r[p.key]) > 0 ? <span key={p.key} style={{ flexGrow: Number(r[p.key]), background: p.color }} /> : null))}
              </div>
            </div>
          ))}
          {shown && hovered !== null && (
            <div className="usage-tooltip" role="tooltip" data-testid="usage-tooltip" style={tooltipPlace(hovered, rows.length)}>
              <strong>{shown.label}</strong>
              {PARTS.map((p) => (
                <span key={p.key} style={{ ["--c" as string]: p.color }}>
                  {p.label}: {formatCredits(shown[p.key])}
                </span>
              ))}
              <span className="usage-tooltip-total">
                Total: {formatCredits(shown.total_credits)} credits, {shown.calls} {shown.calls === 1 ? "call" : "calls"}
              </span>
            </div>
          )}
        </div>
        <div className="usage-y-title">Credits</div>
        <div className="usage-x-axis" aria-hidden="true">
          {rows.map((r, i) => (
            <span key={r.key}>{i % every === 0 ? r.label.slice(5) : ""}</span>
          ))}
        </div>
      </div>
      <figcaption className="usage-legend">
        {PARTS.map((p) => (
          <span key={p.key} style={{ ["--c" as string]: p.color }}>
            {p.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
