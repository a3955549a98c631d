/** The catalog as the palette lists it: filtered by a search, grouped by category. */
import type { Catalog, NodeTypeSpec } from "../catalog/types";

export interface PaletteGroup {
  category: string;
  types: NodeTypeSpec[];
}

export function paletteGroups(catalog: Catalog, query: string): PaletteGroup[] {
  const q = query.trim().toLowerCase();
  const matches = Object.values(catalog).filter(
    (t) => t.type !== "start" && (!q || `${t.label} ${t.type} ${t.description} ${t.category}`.toLowerCase().includes(q)),
  );
  const groups = new Map<string, NodeTypeSpec[]>();
  for (const t of matches) groups.set(t.category, [...(groups.get(t.category) ?? []), t]);
  return Array.from(groups, ([category, types]) => ({ category, types }));
}
