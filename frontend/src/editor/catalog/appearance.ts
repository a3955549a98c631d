/** How each node type looks: a colour and a short glyph, by type, then by category. */
import type { NodeTypeSpec } from "./types";

const BY_TYPE: Record<string, { color: string; glyph: string }> = {
  start: { color: "#16a34a", glyph: "▶" },
  agent: { color: "#7c3aed", glyph: "AI" },
  classifier: { color: "#db2777", glyph: "⑂" },
  router: { color: "#ea580c", glyph: "⇆" },
  say: { color: "#0284c7", glyph: "❝" },
  set_variables: { color: "#0d9488", glyph: "x=" },
  collect_digits: { color: "#4f46e5", glyph: "#" },
  http_request: { color: "#475569", glyph: "⇄" },
  transfer: { color: "#ca8a04", glyph: "↗" },
  hold: { color: "#64748b", glyph: "❚❚" },
  hangup: { color: "#dc2626", glyph: "✕" },
  note: { color: "#eab308", glyph: "✎" },
};

const PALETTE = ["#4f46e5", "#0891b2", "#9333ea", "#059669", "#c2410c", "#be123c"];

export function appearanceOf(spec: Pick<NodeTypeSpec, "type" | "label"> | undefined): { color: string; glyph: string } {
  if (!spec) return { color: "#94a3b8", glyph: "?" };
  const known = BY_TYPE[spec.type];
  if (known) return known;
  let hash = 0;
  for (const ch of spec.type) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return { color: PALETTE[hash % PALETTE.length] ?? "#4f46e5", glyph: spec.label.slice(0, 1).toUpperCase() };
}
