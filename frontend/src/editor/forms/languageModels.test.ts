import { describe, expect, it } from "vitest";
import { modelChoices } from "./languageModels";

describe("the model picker", () => {
  it("offers the workspace default, named, then every model", () => {
    const choices = modelChoices({ loaded: true, names: ["Local server", "GPT"] }, "");
    expect(choices.selected).toBe("");
    expect(choices.options.map((o) => o.label)).toEqual(["Workspace default (Local server)", "Local server", "GPT"]);
  });

  it("names the model an admin marked as the default, not the first listed", () => {
    const choices = modelChoices({ loaded: true, names: ["Alpha", "Local server"], marked: "Local server" }, "");
    expect(choices.options[0]?.label).toBe("Workspace default (Local server)");
    expect(modelChoices({ loaded: true, names: ["Alpha", "Zeta"] }, "").options[0]?.label).toBe("Workspace default (Alpha)");
  });

  it("reads the old 'default' as the workspace default", () => {
    expect(modelChoices({ loaded: true, names: ["Local server"] }, "default").selected).toBe("");
  });

  it("says when the workspace has no model, and keeps a model it does not have visible", () => {
    const choices = modelChoices({ loaded: true, names: [] }, "gpt-5");
    expect(choices.options.map((o) => o.label)).toEqual(["Workspace default (none set up yet)", "gpt-5 (not set up in this workspace)"]);
    expect(choices.selected).toBe("gpt-5");
  });
});
