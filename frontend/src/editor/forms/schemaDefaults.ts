/** A config object filled with the schema's defaults, for a newly placed node. */
import type { JsonSchema } from "../catalog/types";
import { primaryType, unwrapNullable } from "./schemaRefs";

export function defaultValue(schema: JsonSchema, root: JsonSchema): unknown {
  const { schema: s, nullable } = unwrapNullable(schema, root);
  if (s.default !== undefined) return structuredClone(s.default);
  if (s.const !== undefined) return s.const;
  if (nullable) return null;
  switch (primaryType(s)) {
    case "object":
      return defaultsFromSchema(s, root);
    case "array":
      return [];
    case "boolean":
      return false;
    case "string":
      return s.enum?.[0] ?? "";
    default:
      return s.enum?.[0] ?? null;
  }
}

export function defaultsFromSchema(schema: JsonSchema, root: JsonSchema = schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const value = defaultValue(prop, root);
    if (value !== null && value !== undefined) out[name] = value;
  }
  return out;
}
