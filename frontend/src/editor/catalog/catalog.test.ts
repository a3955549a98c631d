import { describe, expect, it } from "vitest";
import { CATALOG } from "../../test/fixtures";
import { outputHandles } from "./handles";
import { normalizeCatalog } from "./normalize";

describe("the node-type catalog", () => {
  it("reads every type the server declares", () => {
    expect(Object.keys(CATALOG)).toEqual(
      expect.arrayContaining(["start", "agent", "classifier", "router", "say", "set_variables", "collect_digits", "http_request", "transfer", "hold", "hangup", "note"]),
    );
    expect(CATALOG.start?.inputs).toEqual([]);
    expect(CATALOG.start?.maxPerGraph).toBe(1);
    expect(CATALOG.say?.inputs.map((h) => h.id)).toEqual(["in"]);
    expect(CATALOG.classifier?.category).toBe("AI");
  });

  it("derives classifier outputs from its intents, then the fixed ones", () => {
    const handles = outputHandles(CATALOG.classifier, { intents: [{ name: "billing" }, { name: "" }, { name: "sales" }] });
    expect(handles.map((h) => h.id)).toEqual(["intent:billing", "intent:sales", "fallback"]);
  });

  it("gives Start its next output and the voicemail one outbound calls take on a machine", () => {
    expect(outputHandles(CATALOG.start, { receiver: "phone_gateway" })).toEqual([
      { id: "out", label: "Next" },
      { id: "voicemail", label: "Voicemail" },
    ]);
  });

  it("derives router outputs from its conditions", () => {
    expect(outputHandles(CATALOG.router, { conditions: [{ name: "vip" }] }).map((h) => h.id)).toEqual(["condition:vip", "else"]);
  });

  it("accepts other shapes: a keyed object, explicit dynamic outputs", () => {
    const catalog = normalizeCatalog({
      menu: {
        label: "Menu",
        config_schema: { type: "object", properties: { options: { type: "array", items: { type: "string" } } } },
        outputs: [{ id: "option:{value}", from_config: "options", key: "" }, "timeout"],
      },
    });
    expect(outputHandles(catalog.menu, { options: ["1", "2"] }).map((h) => h.id)).toEqual(["option:1", "option:2", "timeout"]);
  });
});

describe("searching node types", () => {
  it("ranks names that start with the query first", async () => {
    const { rankedTypes } = await import("../palette/paletteGroups");
    expect(rankedTypes(CATALOG, "hang")[0]?.type).toBe("hangup");
    expect(rankedTypes(CATALOG, "say")[0]?.type).toBe("say");
    expect(rankedTypes(CATALOG, "").some((t) => t.type === "start")).toBe(false);
  });
});
