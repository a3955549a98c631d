/** Small JSON Schema helpers: follow $ref, unwrap Optional (anyOf with null). */
import type { JsonSchema } from "../catalog/types";

export function resolveRef(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let depth = 0; current.$ref && depth < 16; depth++) {
    const name = current.$ref.split("/").pop() ?? "";
    const target = root.$defs?.[name] ?? root.definitions?.[name];
    if (!target) break;
    const { $ref: _ignored, ...rest } = current;
    current = { ...target, ...rest };
  }
  return current;
}

function isNullSchema(s: JsonSchema): boolean {
  return s.type === "null";
}

/** The schema without its "or null" alternative, and whether null was allowed. */
export function unwrapNullable(schema: JsonSchema, root: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  const resolved = resolveRef(schema, root);
  const alternatives = resolved.anyOf ?? resolved.oneOf;
  if (alternatives) {
    const nonNull = alternatives.filter((s) => !isNullSchema(s));
    if (nonNull.length === 1 && nonNull[0]) {
      const { anyOf: _a, oneOf: _o, ...rest } = resolved;
      return { schema: { ...resolveRef(nonNull[0], root), ...rest }, nullable: nonNull.length < alternatives.length };
    }
  }
  if (resolved.allOf?.length === 1 && resolved.allOf[0]) {
    const { allOf: _all, ...rest } = resolved;
    return unwrapNullable({ ...resolveRef(resolved.allOf[0], root), ...rest }, root);
  }
  if (Array.isArray(resolved.type)) {
    const types = resolved.type.filter((t) => t !== "null");
    return { schema: { ...resolved, type: types.length === 1 ? types[0] : types }, nullable: types.length < resolved.type.length };
  }
  return { schema: resolved, nullable: false };
}

export function primaryType(schema: JsonSchema): string | undefined {
  if (typeof schema.type === "string") return schema.type;
  if (schema.enum) return typeof schema.enum[0] === "number" ? "number" : "string";
  if (schema.properties) return "object";
  return undefined;
}
