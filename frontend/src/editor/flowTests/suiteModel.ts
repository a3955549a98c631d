/** Pure helpers of the Tests tab: new scenarios, expectation defaults, results and coverage. */
import type { Expectation, ExpectationKind, Scenario, ScenarioResult, ScenarioStep, SimulatedCaller, SuiteRun, TransferOutcome } from "../../api/flowTests";

export const EXPECTATION_LABELS: Record<ExpectationKind, string> = {
  said: "The agent says",
  branch: "A node takes the output",
  visited: "The call goes through nodes",
  not_visited: "The call never goes through",
  intent: "The intent is",
  variable: "A variable is",
  action: "The call is",
  no_fallback: "No fallback line",
  latency: "Each turn is faster than",
};

export const STEP_LABELS: Record<ScenarioStep["kind"], string> = {
  say: "Caller says",
  digits: "Caller presses",
  silence: "Caller stays silent",
  hangup: "Caller hangs up",
  transfer_outcome: "The transfer is answered",
  voicemail: "A voicemail answers",
};

export const TRANSFER_OUTCOME_LABELS: Record<TransferOutcome, string> = {
  accepted: "accepted",
  declined: "declined",
  busy: "busy",
  no_answer: "not answered",
  failed: "failed",
};

export function newExpectation(kind: ExpectationKind): Expectation {
  switch (kind) {
    case "said":
      return { kind, match: "contains", text: "" };
    case "branch":
      return { kind, node: "", output: "" };
    case "visited":
      return { kind, nodes: [], mode: "in_order" };
    case "not_visited":
      return { kind, nodes: [] };
    case "intent":
      return { kind, equals: "" };
    case "variable":
      return { kind, name: "", equals: "" };
    case "action":
      return { kind, action: "transfer", destination: "" };
    case "no_fallback":
      return { kind };
    case "latency":
      return { kind, max_ms: 1000 };
  }
}

/** An id that no scenario of the suite has yet, from its name. */
export function scenarioId(name: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 48) || "scenario";
  let id = base;
  for (let n = 2; used.has(id); n += 1) id = `${base}-${n}`;
  return id;
}

/** What the server assumes for a simulated caller's fields left out. */
export const SIMULATED_DEFAULTS: Required<SimulatedCaller> = { persona: "", goal: "", max_turns: 6, runs: 3, min_pass_rate: 0.8, model: "" };

/** Who calls: the scenario's own steps, or a model playing a persona (its steps are kept aside). */
export function withCaller(scenario: Scenario, simulated: boolean, keptSteps: ScenarioStep[]): Scenario {
  if (simulated) return { ...scenario, steps: [], simulated: scenario.simulated ?? { ...SIMULATED_DEFAULTS } };
  const steps = keptSteps.length > 0 ? keptSteps : [{ kind: "say" as const, text: "", expect: [] }];
  return { ...scenario, steps, simulated: null };
}

export function newScenario(taken: Iterable<string>): Scenario {
  const name = "New scenario";
  return { id: scenarioId(name, taken), name, steps: [{ kind: "say", text: "", expect: [] }], expect: [], model_answers: null };
}

/** What the API takes: empty optional fields left out, so that a half-filled row is not sent as a value. */
export function cleanScenario(scenario: Scenario): Scenario {
  const cleanExpect = (list: Expectation[] | undefined) =>
    (list ?? []).map((e) => {
      if (e.kind === "variable" && (e.equals === "" || e.equals === undefined)) {
        const { equals: _ignored, ...rest } = e;
        return rest;
      }
      return e;
    });
  return {
    ...scenario,
    steps: scenario.steps.map((step) => ({ ...step, expect: step.kind === "hangup" ? [] : cleanExpect(step.expect) })),
    expect: cleanExpect(scenario.expect),
  };
}

export function resultsById(run: SuiteRun | null): Map<string, ScenarioResult> {
  return new Map((run?.result.scenarios ?? []).map((r) => [r.scenario_id, r]));
}

/** The edges a suite run never followed, for the canvas to mark. */
export function uncoveredEdgeIds(run: SuiteRun | null): string[] {
  return (run?.result.coverage.uncovered ?? []).flatMap((u) => (u.edge_id ? [u.edge_id] : []));
}

/** The caller's turns of a scenario, as the test panel replays them. */
export type ReplayTurn = { text: string } | { digits: string };

export function replayTurns(scenario: Scenario): ReplayTurn[] {
  return scenario.steps.flatMap((step): ReplayTurn[] => {
    if (step.kind === "say" && step.text) return [{ text: step.text }];
    if (step.kind === "digits" && step.digits) return [{ digits: step.digits }];
    return [];
  });
}

/** Call variables as the scenario form shows them: one `name=value` a line. */
export function variablesText(variables: Scenario["variables"]): string {
  return Object.entries(variables ?? {})
    .map(([name, value]) => `${name}=${value === null ? "" : String(value)}`)
    .join("\n");
}

export function parseVariables(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    const name = (at >= 0 ? line.slice(0, at) : line).trim();
    if (name) variables[name] = at >= 0 ? line.slice(at + 1).trim() : "";
  }
  return variables;
}
