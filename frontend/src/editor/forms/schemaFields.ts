/** Turns a JSON Schema into the list of form fields the inspector renders. Pure: tested on its own. */
import { humanize } from "../catalog/normalize";
import type { JsonSchema } from "../catalog/types";
import { defaultValue } from "./schemaDefaults";
import { primaryType, unwrapNullable } from "./schemaRefs";

export type FieldKind = "model" | "text" | "textarea" | "number" | "integer" | "enum" | "boolean" | "stringList" | "objectList" | "object" | "json";

export interface EnumOption {
  value: string | number;
  label: string;
}

export interface FieldDescriptor {
  name: string;
  label: string;
  description: string;
  kind: FieldKind;
  required: boolean;
  nullable: boolean;
  options: EnumOption[];
  minimum?: number;
  maximum?: number;
  step?: number;
  placeholder: string;
  /** object lists and objects: the fields of one item */
  fields: FieldDescriptor[];
  /** object lists: a new item */
  itemDefault: unknown;
  /** the schema's default, shown while the config has no value */
  defaultValue: unknown;
}

const LONG_TEXT_NAMES = /(mission|prompt|instructions|greeting|text|body|message|line|content)$/i;
const LONG_TEXT_MIN_LENGTH = 160;

function isLongText(name: string, s: JsonSchema): boolean {
  const widget = s["x-widget"] ?? s["ui:widget"] ?? s.format;
  if (widget === "textarea" || widget === "multiline") return true;
  if (widget === "text" || widget === "singleline") return false;
  if (typeof s.maxLength === "number" && s.maxLength >= LONG_TEXT_MIN_LENGTH) return true;
  return LONG_TEXT_NAMES.test(name);
}

function enumOptions(s: JsonSchema): EnumOption[] {
  const names = s["x-enum-labels"] ?? s["enumNames"];
  const labels = Array.isArray(names) ? (names as unknown[]) : [];
  return (s.enum ?? [])
    .filter((v): v is string | number => typeof v === "string" || typeof v === "number")
    .map((value, i) => ({ value, label: typeof labels[i] === "string" ? (labels[i] as string) : humanize(String(value)) }));
}

function kindOf(name: string, s: JsonSchema, root: JsonSchema): FieldKind {
  if (s.enum && s.enum.length > 0) return "enum";
  if (s.format === "llm_model") return "model";
  const type = primaryType(s);
  switch (type) {
    case "string":
      return isLongText(name, s) ? "textarea" : "text";
    case "integer":
      return "integer";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "array": {
      const items = s.items ? unwrapNullable(s.items, root).schema : {};
      const itemType = primaryType(items);
      if (itemType === "object") return "objectList";
      if (itemType === "string" && !items.enum) return "stringList";
      return "json";
    }
    case "object":
      return s.properties && Object.keys(s.properties).length > 0 ? "object" : "json";
    default:
      return "json";
  }
}

function orderOf(s: JsonSchema, fallback: number): number {
  const order = s["x-order"] ?? s["ui:order"];
  return typeof order === "number" ? order : fallback;
}

export function fieldsFromSchema(schema: JsonSchema, root: JsonSchema = schema): FieldDescriptor[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {})
    .map(([name, raw], index) => ({ name, raw, order: orderOf(raw, index) }))
    .filter(({ raw }) => raw["x-hidden"] !== true && raw.readOnly !== true)
    .sort((a, b) => a.order - b.order)
    .map(({ name, raw }) => describeField(name, raw, root, required.has(name)));
}

export function describeField(name: string, raw: JsonSchema, root: JsonSchema, required: boolean): FieldDescriptor {
  const { schema: s, nullable } = unwrapNullable(raw, root);
  const kind = kindOf(name, s, root);
  const items = s.items ? unwrapNullable(s.items, root).schema : undefined;
  const isNumeric = kind === "number" || kind === "integer";
  return {
    name,
    label: s.title ?? humanize(name),
    description: s.description ?? "",
    kind,
    required,
    nullable,
    options: kind === "enum" ? enumOptions(s) : [],
    minimum: isNumeric ? (s.minimum ?? (s.exclusiveMinimum as number | undefined)) : undefined,
    maximum: isNumeric ? (s.maximum ?? (s.exclusiveMaximum as number | undefined)) : undefined,
    step: kind === "integer" ? 1 : isNumeric ? s.multipleOf : undefined,
    placeholder: typeof s.examples === "object" && Array.isArray(s.examples) ? String(s.examples[0] ?? "") : "",
    fields: kind === "objectList" && items ? fieldsFromSchema(items, root) : kind === "object" ? fieldsFromSchema(s, root) : [],
    itemDefault: kind === "objectList" && items ? defaultValue(items, root) : kind === "stringList" ? "" : undefined,
    defaultValue: s.default,
  };
}
