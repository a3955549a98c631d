/** Which handles a node has, given its type and its current config. */
import { humanize } from "./normalize";
import type { HandleSpec, NodeTypeSpec } from "./types";

export const INPUT_HANDLE = "in";

export function outputHandles(spec: NodeTypeSpec | undefined, config: Record<string, unknown>): HandleSpec[] {
  if (!spec) return [];
  const dynamic: HandleSpec[] = [];
  for (const rule of spec.dynamicOutputs) {
    const list = config[rule.field];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const name =
        typeof item === "string"
          ? item
          : rule.key && typeof item === "object" && item !== null
            ? String((item as Record<string, unknown>)[rule.key] ?? "")
            : "";
      if (name.trim() === "") continue;
      dynamic.push({ id: `${rule.prefix}${name}`, label: name });
    }
  }
  // Dynamic outputs come first (intents, branches), then the fixed ones such as "else" / "error".
  const ids = new Set<string>();
  return [...dynamic, ...spec.outputs].filter((h) => (ids.has(h.id) ? false : (ids.add(h.id), true)));
}

export function inputHandles(spec: NodeTypeSpec | undefined): HandleSpec[] {
  return spec?.inputs ?? [];
}

export function handleLabel(handleId: string): string {
  const colon = handleId.indexOf(":");
  return colon >= 0 ? handleId.slice(colon + 1) : humanize(handleId);
}
