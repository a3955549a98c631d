import { describe, expect, it } from "vitest";
import type { FlowNode } from "../store/types";
import { applyCompletion, completionContext, pipelineVariables, suggestionsFor } from "./templateCompletion";

describe("{{ }} autocomplete", () => {
  it("finds the name being typed after an open {{", () => {
    expect(completionContext("Hello {{ exch", 13)).toEqual({ start: 9, partial: "exch" });
    expect(completionContext("Hello {{", 8)).toEqual({ start: 8, partial: "" });
    expect(completionContext("Hello {{ name }} and", 20)).toBeNull();
    expect(completionContext("no braces", 9)).toBeNull();
  });

  it("suggests exchange fields and the pipeline's variables", () => {
    const names = suggestionsFor("exchange.u", ["customer"]).map((s) => s.value);
    expect(names).toEqual(["exchange.user_message"]);
    expect(suggestionsFor("cus", ["customer"]).map((s) => s.value)).toEqual(["customer"]);
    expect(suggestionsFor("", ["customer"]).length).toBeGreaterThan(4);
  });

  it("inserts the name and closes the braces", () => {
    const text = "Hi {{ cu";
    const ctx = completionContext(text, text.length)!;
    expect(applyCompletion(text, text.length, ctx, "customer")).toEqual({ text: "Hi {{ customer }}", caret: 17 });
    const closed = "Hi {{cu}} there";
    const ctx2 = completionContext(closed, 7)!;
    expect(applyCompletion(closed, 7, ctx2, "customer").text).toBe("Hi {{customer}} there");
  });

  it("reads variable names from the nodes that set them", () => {
    const node = (type: string, config: Record<string, unknown>) => ({ id: type, type, position: { x: 0, y: 0 }, data: { config } }) as FlowNode;
    const names = pipelineVariables([
      node("set_variables", { assignments: [{ variable: "plan", value: "gold" }] }),
      node("collect_digits", { variable: "account" }),
      node("http_request", { save: [{ variable: "customer", path: "name" }], status_variable: "status" }),
      node("agent", { extract: [{ variable: "email" }] }),
    ]);
    expect(names).toEqual(["account", "customer", "email", "plan", "status"]);
    expect(pipelineVariables([], ["customer_id", "bad name"])).toEqual(["customer_id"]);
  });
});
