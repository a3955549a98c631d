import { describe, expect, it } from "vitest";
import type { JsonSchema } from "../catalog/types";
import { CATALOG } from "../../test/fixtures";
import { defaultsFromSchema } from "./schemaDefaults";
import { fieldsFromSchema } from "./schemaFields";

const byName = (schema: JsonSchema) => Object.fromEntries(fieldsFromSchema(schema).map((f) => [f.name, f]));

describe("fields generated from JSON Schema", () => {
  it("reads the classifier: enum, list of objects through $ref, list of strings inside", () => {
    const fields = byName(CATALOG.classifier!.configSchema);
    expect(fields.mode).toMatchObject({ kind: "enum", label: "How to classify" });
    expect(fields.mode?.options.map((o) => o.value)).toEqual(["keywords", "llm"]);
    expect(fields.intents?.kind).toBe("objectList");
    const intent = Object.fromEntries(fields.intents!.fields.map((f) => [f.name, f]));
    expect(intent.name).toMatchObject({ kind: "text", required: true });
    expect(intent.keywords?.kind).toBe("stringList");
    expect(fields.intents?.itemDefault).toEqual({ name: "", description: "", keywords: [] });
  });

  it("uses textareas for long text and text inputs for short templates", () => {
    expect(byName(CATALOG.say!.configSchema).text?.kind).toBe("textarea");
    expect(byName(CATALOG.agent!.configSchema).mission?.kind).toBe("textarea");
    expect(byName(CATALOG.http_request!.configSchema).url?.kind).toBe("text");
    expect(byName(CATALOG.transfer!.configSchema).destination?.kind).toBe("text");
  });

  it("reads numbers with bounds, integers, booleans and Optional fields", () => {
    const agent = byName(CATALOG.agent!.configSchema);
    expect(agent.temperature).toMatchObject({ kind: "number", minimum: 0, maximum: 2 });
    expect(agent.max_tool_rounds).toMatchObject({ kind: "integer", step: 1, maximum: 10 });
    expect(agent.interruptible?.kind).toBe("boolean");
    const http = byName(CATALOG.http_request!.configSchema);
    expect(http.status_variable).toMatchObject({ kind: "text", nullable: true, label: "Save the status code as" });
    expect(http.save?.kind).toBe("objectList");
  });

  it("falls back to a JSON editor for shapes it does not know", () => {
    const fields = byName({ type: "object", properties: { anything: {}, matrix: { type: "array", items: { type: "array" } } } });
    expect(fields.anything?.kind).toBe("json");
    expect(fields.matrix?.kind).toBe("json");
  });

  it("honours x-order and hides x-hidden fields", () => {
    const fields = fieldsFromSchema({
      type: "object",
      properties: { b: { type: "string", "x-order": 2 }, a: { type: "string", "x-order": 1 }, secret: { type: "string", "x-hidden": true } },
    });
    expect(fields.map((f) => f.name)).toEqual(["a", "b"]);
  });

  it("fills defaults for a new node", () => {
    expect(defaultsFromSchema(CATALOG.hold!.configSchema)).toEqual({ message: "Please hold for a moment.", music: true, seconds: 10 });
  });
});
