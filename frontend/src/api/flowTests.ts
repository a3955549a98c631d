/** Endpoints of a pipeline's test suite (/api/pipelines/{id}/tests), and their shapes: generated
 * from the API's schemas (./schema.gen.ts), narrowed here where the API serves JSON it writes whole. */
import { api } from "./client";
import type * as Api from "./schema.gen";
import type { TurnTrace } from "../editor/testing/protocol";

export type StepKind = Api.StepResultOut["kind"];
export type TransferOutcome = NonNullable<Api.Step["outcome"]>;

export type Expectation = NonNullable<Api.Step["expect"]>[number];
export type ExpectationKind = Expectation["kind"];

/** A step as the editor holds it: its kind always named (the API takes "say" when left out). */
export type ScenarioStep = Api.Step & { kind: StepKind };

export type CannedAnswer = Api.CannedAnswer;
export type SimulatedCaller = Api.SimulatedCaller;

/** A scenario as the API sends it: a stored suite is written whole, its steps always there. */
export type Scenario = Omit<Api.Scenario, "steps"> & { steps: ScenarioStep[] };

/** text: through the engine on the server; voice: spoken to the voice worker through LiveKit. */
export type RunMode = NonNullable<Api.RunIn["mode"]>;

export type Suite = Omit<Api.SuiteOut["suite"], "scenarios"> & { scenarios: Scenario[]; require_passing_to_publish: boolean };

export type SuiteProblem = Api.SuiteProblemOut;
export type Failure = Api.FailureOut;

/** One step's result; its trace is the test panel's turn trace (the API serves it as JSON). */
export type StepResult = Omit<Api.StepResultOut, "trace"> & { trace: TurnTrace | null };

export type ScenarioResult = Omit<Api.ScenarioResultOut, "steps"> & { steps: StepResult[] };

export type Coverage = Api.CoverageOut;

export type SuiteRun = Omit<Api.RunOut, "result"> & {
  result: Omit<Api.SuiteResultOut, "scenarios"> & { scenarios: ScenarioResult[] };
};

export type SuiteState = Omit<Api.SuiteOut, "suite" | "latest_run"> & { suite: Suite; latest_run: SuiteRun | null };

export type BranchDraft = Omit<Api.BranchDraftOut, "scenario"> & { scenario: Scenario };

export type CallScenario = Omit<Api.CallScenarioOut, "scenario"> & { scenario: Scenario };

const path = (id: number) => `/pipelines/${id}/tests`;

export const flowTestsApi = {
  get: (id: number) => api.get<SuiteState>(path(id)),
  save: (id: number, suite: Suite, revision: number) => api.put<Api.SuiteSaved>(path(id), { suite, revision } satisfies Api.SuiteIn),
  run: (id: number, scenarios?: string[], mode: RunMode = "text") =>
    api.post<SuiteRun>(`${path(id)}/run`, { version: "draft", scenarios: scenarios ?? null, mode } satisfies Api.RunIn),
  draftForBranch: (id: number, nodeId: string, handle: string) =>
    api.post<BranchDraft>(`${path(id)}/draft-for-branch`, { node_id: nodeId, handle } satisfies Api.BranchIn),
};

/** Adds a scenario made of a real call (its caller's turns, what happened) to its pipeline's tests. */
export const callToScenario = (callId: number) => api.post<CallScenario>(`/calls/${callId}/scenario`);
