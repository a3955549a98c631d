/** One line that tells what a node does, from its config, for the card on the canvas. */
const PREFERRED = ["text", "greeting", "mission", "prompt", "url", "number", "destination", "message", "expression"];

function firstText(config: Record<string, unknown>): string | null {
  for (const key of PREFERRED) {
    const value = config[key];
    if (typeof value === "string" && value.trim()) return value.trim();
  }
  return null;
}

export function nodeSummary(config: Record<string, unknown>): string {
  return firstText(config) ?? "";
}
