/** The catalog as the palette lists it: filtered by a search, grouped by category. */
import type { Catalog, NodeTypeSpec } from "../catalog/types";

const CATEGORY_ORDER = ["Flow", "Speech", "AI", "Caller input", "Data", "Call control", "Canvas"];

export interface PaletteGroup {
  category: string;
  types: NodeTypeSpec[];
}

/** Matching types, best first: the name starting with the query, then containing it, then elsewhere. */
export function rankedTypes(catalog: Catalog, query: string): NodeTypeSpec[] {
  const q = query.trim().toLowerCase();
  const score = (t: NodeTypeSpec) => {
    const label = t.label.toLowerCase();
    if (!q) return 0;
    if (label.startsWith(q)) return 0;
    if (label.includes(q) || t.type.includes(q)) return 1;
    return `${t.description} ${t.category}`.toLowerCase().includes(q) ? 2 : 3;
  };
  return Object.values(catalog)
    .filter((t) => t.type !== "start" && score(t) < 3)
    .sort((a, b) => score(a) - score(b) || a.label.localeCompare(b.label));
}

/** Without a search, every type by category; with one, the matches in one list, best title first. */
export function paletteGroups(catalog: Catalog, query: string): PaletteGroup[] {
  if (query.trim()) {
    const ranked = rankedTypes(catalog, query);
    return ranked.length ? [{ category: "Matches", types: ranked }] : [];
  }
  const matches = Object.values(catalog).filter((t) => t.type !== "start");
  const groups = new Map<string, NodeTypeSpec[]>();
  for (const t of matches) groups.set(t.category, [...(groups.get(t.category) ?? []), t]);
  const rank = (category: string) => {
    const index = CATEGORY_ORDER.indexOf(category);
    return index < 0 ? CATEGORY_ORDER.length : index;
  };
  return Array.from(groups, ([category, types]) => ({ category, types })).sort((a, b) => rank(a.category) - rank(b.category));
}
