import { describe, expect, it } from "vitest";
import type { Scenario, SuiteRun } from "../../api/flowTests";
import { cleanScenario, newScenario, parseVariables, replayTurns, scenarioId, SIMULATED_DEFAULTS, uncoveredEdgeIds, variablesText, withCaller } from "./suiteModel";

describe("the Tests tab's model", () => {
  it("names a new scenario with an id no other has", () => {
    expect(scenarioId("Asks for a refund!", [])).toBe("asks-for-a-refund");
    expect(scenarioId("Refund", ["refund", "refund-2"])).toBe("refund-3");
    expect(newScenario(["new-scenario"]).id).toBe("new-scenario-2");
  });

  it("leaves out a variable expectation's empty value, and a hang-up's expectations", () => {
    const scenario: Scenario = {
      id: "s",
      name: "S",
      steps: [
        { kind: "say", text: "hi", expect: [{ kind: "variable", name: "topic", equals: "" }] },
        { kind: "hangup", expect: [{ kind: "no_fallback" }] },
      ],
    };
    const clean = cleanScenario(scenario);
    expect(clean.steps[0]?.expect).toEqual([{ kind: "variable", name: "topic" }]);
    expect(clean.steps[1]?.expect).toEqual([]);
  });

  it("replays what the caller said and pressed, in order", () => {
    const scenario: Scenario = {
      id: "s",
      name: "S",
      steps: [{ kind: "say", text: "account" }, { kind: "silence", seconds: 3 }, { kind: "digits", digits: "12#" }],
    };
    expect(replayTurns(scenario)).toEqual([{ text: "account" }, { digits: "12#" }]);
  });

  it("marks the edges no scenario followed", () => {
    const run = {
      result: { coverage: { outputs: 3, exercised: 1, uncovered: [{ node_id: "a", handle: "x", edge_id: "e1" }, { node_id: "a", handle: "y", edge_id: null }] }, scenarios: [], ms: 1 },
    } as unknown as SuiteRun;
    expect(uncoveredEdgeIds(run)).toEqual(["e1"]);
    expect(uncoveredEdgeIds(null)).toEqual([]);
  });

  it("reads call variables one name=value a line, and writes them back the same", () => {
    const variables = parseVariables("tier = gold\n\nname=Ada Lovelace\nflag");
    expect(variables).toEqual({ tier: "gold", name: "Ada Lovelace", flag: "" });
    expect(variablesText(variables)).toBe("tier=gold\nname=Ada Lovelace\nflag=");
  });

  it("switches a scenario to a simulated caller and back without losing its steps", () => {
    const scripted: Scenario = { id: "s", name: "S", steps: [{ kind: "say", text: "refund", expect: [] }] };
    const simulated = withCaller(scripted, true, scripted.steps);
    expect(simulated.steps).toEqual([]);
    expect(simulated.simulated).toEqual(SIMULATED_DEFAULTS);
    const back = withCaller({ ...simulated, simulated: { ...SIMULATED_DEFAULTS, persona: "impatient" } }, false, scripted.steps);
    expect(back.simulated).toBeNull();
    expect(back.steps).toEqual(scripted.steps);
    expect(withCaller(simulated, false, []).steps).toEqual([{ kind: "say", text: "", expect: [] }]);
  });
});
