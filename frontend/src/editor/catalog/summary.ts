/** One line that tells what a node does, from its config, for the card on the canvas. */
import type { NodeTypeSpec } from "./types";

const PREFERRED = ["text", "greeting", "mission", "prompt", "url", "number", "destination", "message", "expression"];

function firstText(config: Record<string, unknown>): string | null {
  for (const key of PREFERRED) {
    const value = config[key];
    if (typeof value === "string" && value.trim()) return value.trim();
  }
  for (const value of Object.values(config)) {
    if (typeof value === "string" && value.trim().length > 3) return value.trim();
  }
  return null;
}

export function nodeSummary(spec: NodeTypeSpec | undefined, config: Record<string, unknown>): string {
  return firstText(config) ?? spec?.description ?? "";
}
