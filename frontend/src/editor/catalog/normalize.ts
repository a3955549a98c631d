/** Reads the server's node-type catalog into NodeTypeSpecs, tolerant of small shape differences. */
import { defaultsFromSchema } from "../forms/schemaDefaults";
import type { Catalog, DynamicOutputs, HandleSpec, JsonSchema, RawCatalog } from "./types";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

const CATEGORY_LABELS: Record<string, string> = {
  flow: "Flow",
  ai: "AI",
  speech: "Speech",
  data: "Data",
  input: "Caller input",
  call: "Call control",
  canvas: "Canvas",
};

export function categoryLabel(category: string): string {
  return CATEGORY_LABELS[category] ?? humanize(category);
}

export function humanize(id: string): string {
  const words = id.replace(/[_\-.:]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "out" reads as "Next" on a card and in the inspector; other handles by their name. */
function handleName(id: string): string {
  return id === "out" ? "Next" : humanize(id);
}

const PLACEHOLDER = /^(.*?)(<[^>]+>|\{[^}]+\}|\*)$/;

function dynamicFromString(id: string): DynamicOutputs | null {
  const match = PLACEHOLDER.exec(id);
  if (!match) return null;
  return { field: "", key: "name", prefix: match[1] ?? "" };
}

function dynamicFromObject(o: Obj): DynamicOutputs | null {
  const field = str(o.from_config) ?? str(o.config_field) ?? str(o.field) ?? str(o.for_each) ?? str(o.source);
  if (!field) return null;
  const pattern = str(o.id) ?? str(o.pattern) ?? str(o.template);
  const fromPattern = pattern ? dynamicFromString(pattern) : null;
  return {
    field,
    key: str(o.key) ?? str(o.item_key) ?? (o.key === "" ? "" : "name"),
    prefix: str(o.prefix) ?? fromPattern?.prefix ?? "",
  };
}

function readHandles(raw: unknown): { fixed: HandleSpec[]; dynamic: DynamicOutputs[] } {
  const fixed: HandleSpec[] = [];
  const dynamic: DynamicOutputs[] = [];
  if (!Array.isArray(raw)) return { fixed, dynamic };
  for (const item of raw) {
    if (typeof item === "string") {
      const dyn = dynamicFromString(item);
      if (dyn) dynamic.push(dyn);
      else fixed.push({ id: item, label: handleName(item) });
    } else if (isObj(item)) {
      const dyn = item.dynamic || item.from_config || item.for_each || item.config_field ? dynamicFromObject(item) : null;
      if (dyn) {
        dynamic.push(dyn);
        continue;
      }
      const id = str(item.id) ?? str(item.name) ?? str(item.handle);
      if (id) fixed.push({ id, label: str(item.label) ?? str(item.title) ?? handleName(id) });
    }
  }
  return { fixed, dynamic };
}

function guessDynamicField(dynamic: DynamicOutputs, schema: JsonSchema): DynamicOutputs {
  if (dynamic.field) return dynamic;
  const arrays = Object.entries(schema.properties ?? {}).filter(([, s]) => s.type === "array");
  const stem = dynamic.prefix.replace(/[:_-]+$/, "");
  const match = arrays.find(([name]) => name.startsWith(stem)) ?? arrays[0];
  return { ...dynamic, field: match?.[0] ?? "" };
}

function entriesOf(raw: RawCatalog): Obj[] {
  if (Array.isArray(raw)) return raw.filter(isObj);
  if (isObj(raw)) {
    for (const key of ["node_types", "types", "nodes", "items"]) {
      const inner = raw[key];
      if (Array.isArray(inner)) return inner.filter(isObj);
    }
    return Object.entries(raw)
      .filter((entry): entry is [string, Obj] => isObj(entry[1]))
      .map(([type, value]) => ({ type, ...value }));
  }
  return [];
}

export function normalizeCatalog(raw: RawCatalog): Catalog {
  const catalog: Catalog = {};
  for (const entry of entriesOf(raw)) {
    const type = str(entry.type) ?? str(entry.key) ?? str(entry.name);
    if (!type) continue;
    const schemaRaw = entry.config_schema ?? entry.schema ?? entry.json_schema ?? entry.config;
    const configSchema: JsonSchema = isObj(schemaRaw) ? (schemaRaw as JsonSchema) : { type: "object", properties: {} };
    const defaultInputs = type === "start" || type === "note" ? [] : ["in"];
    const inputs = readHandles(entry.inputs ?? defaultInputs).fixed;
    const outputs = readHandles(entry.outputs ?? (type === "note" ? [] : ["out"]));
    const declaredDynamic = (Array.isArray(entry.dynamic_outputs) ? entry.dynamic_outputs : [])
      .map((d: unknown) => (typeof d === "string" ? dynamicFromString(d) : isObj(d) ? dynamicFromObject(d) : null))
      .filter((d): d is DynamicOutputs => d !== null);
    const dynamicOutputs = [...outputs.dynamic, ...declaredDynamic].map((d) => guessDynamicField(d, configSchema));
    const maxRaw = entry.max_per_graph ?? entry.max_count ?? (entry.singleton ? 1 : null);
    catalog[type] = {
      type,
      label: str(entry.label) ?? str(entry.title) ?? str(entry.display_name) ?? humanize(type),
      description: str(entry.description) ?? configSchema.description ?? "",
      category: categoryLabel(str(entry.category) ?? str(entry.group) ?? "nodes"),
      icon: str(entry.icon) ?? "",
      configSchema,
      inputs,
      outputs: outputs.fixed,
      dynamicOutputs: dedupeDynamic(dynamicOutputs),
      defaults: isObj(entry.defaults) ? entry.defaults : (defaultsFromSchema(configSchema) as Obj),
      maxPerGraph: typeof maxRaw === "number" ? maxRaw : type === "start" ? 1 : null,
    };
  }
  return catalog;
}

function dedupeDynamic(list: DynamicOutputs[]): DynamicOutputs[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.field}|${d.key}|${d.prefix}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
