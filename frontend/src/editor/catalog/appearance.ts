/** How each node type looks: a colour and an icon, from the catalog's icon name or the type. */
import type { IconName } from "../../ui/Icon";
import type { NodeTypeSpec } from "./types";

const COLOR_BY_TYPE: Record<string, string> = {
  start: "#16a34a",
  agent: "#7c3aed",
  classifier: "#db2777",
  router: "#ea580c",
  say: "#0284c7",
  set_variables: "#0d9488",
  collect_digits: "#4f46e5",
  http_request: "#475569",
  transfer: "#ca8a04",
  hold: "#64748b",
  hangup: "#dc2626",
  note: "#eab308",
};

/** Catalog icon names (lucide's) to the icons drawn here. */
const ICONS: Record<string, IconName> = {
  play: "play",
  bot: "bot",
  tags: "tags",
  split: "split",
  message: "message",
  variable: "variable",
  keypad: "keypad",
  globe: "globe",
  "phone-forwarded": "phoneForwarded",
  pause: "pause",
  "phone-off": "phoneOff",
  "sticky-note": "note",
};

const PALETTE = ["#4f46e5", "#0891b2", "#9333ea", "#059669", "#c2410c", "#be123c"];

export function appearanceOf(spec: Pick<NodeTypeSpec, "type" | "label" | "icon"> | undefined): { color: string; icon: IconName | null; glyph: string } {
  if (!spec) return { color: "#94a3b8", icon: null, glyph: "?" };
  let hash = 0;
  for (const ch of spec.type) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return {
    color: COLOR_BY_TYPE[spec.type] ?? PALETTE[hash % PALETTE.length] ?? "#4f46e5",
    icon: ICONS[spec.icon] ?? null,
    glyph: spec.label.slice(0, 1).toUpperCase(),
  };
}
