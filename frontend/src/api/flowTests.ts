/** Endpoints of a pipeline's test suite (/api/pipelines/{id}/tests), and their shapes. */
import { api } from "./client";
import type { TurnTrace } from "../editor/testing/protocol";

export type StepKind = "say" | "digits" | "silence" | "hangup" | "transfer_outcome" | "voicemail";
export type TransferOutcome = "accepted" | "declined" | "busy" | "no_answer" | "failed";

export type Expectation =
  | { kind: "visited"; nodes: string[]; mode?: "in_order" | "includes" | "exactly" }
  | { kind: "not_visited"; nodes: string[] }
  | { kind: "branch"; node: string; output: string }
  | { kind: "intent"; equals: string }
  | { kind: "variable"; name: string; equals?: string | number | boolean | null; is_set?: boolean }
  | { kind: "action"; action: "transfer" | "hold" | "hangup" | "collect_digits" | "digits_collected"; destination?: string; digits?: string }
  | { kind: "said"; match: "contains" | "not_contains" | "regex" | "mentions"; text: string }
  | { kind: "no_fallback" }
  | { kind: "latency"; max_ms: number; of?: "engine" | "caller" };

export type ExpectationKind = Expectation["kind"];

export interface ScenarioStep {
  kind: StepKind;
  text?: string;
  digits?: string;
  seconds?: number;
  outcome?: TransferOutcome | null;
  expect?: Expectation[];
}

export interface CannedAnswer {
  text?: string;
  tool?: string;
  arguments?: Record<string, unknown>;
}

export interface SimulatedCaller {
  persona: string;
  goal: string;
  max_turns?: number;
  runs?: number;
  min_pass_rate?: number;
  model?: string;
}

export interface Scenario {
  id: string;
  name: string;
  caller_number?: string;
  variables?: Record<string, string | number | boolean | null>;
  /** the caller's SIP attributes (sip.*): a run by voice joins with them */
  attributes?: Record<string, string>;
  /** the number's silence timeout the call runs with (0: none) */
  silence_timeout_s?: number;
  steps: ScenarioStep[];
  expect?: Expectation[];
  model_answers?: CannedAnswer[] | null;
  simulated?: SimulatedCaller | null;
}

/** text: through the engine on the server; voice: spoken to the voice worker through LiveKit. */
export type RunMode = "text" | "voice";

export interface Suite {
  scenarios: Scenario[];
  require_passing_to_publish: boolean;
}

export interface SuiteProblem {
  scenario: string | null;
  step: number | null;
  field: string | null;
  message: string;
}

export interface Failure {
  kind: string;
  expected: string;
  observed: string;
}

export interface StepResult {
  index: number;
  kind: StepKind;
  caller: string;
  said: string;
  nodes: string[];
  passed: boolean;
  failures: Failure[];
  trace: TurnTrace | null;
  /** by voice: what the caller heard (transcribed) */
  heard?: string | null;
  /** by voice: from the end of the caller's speech to the agent's first audio */
  response_ms?: number | null;
}

export interface ScenarioResult {
  scenario_id: string;
  name: string;
  passed: boolean;
  ms: number;
  greeting: string;
  steps: StepResult[];
  end_failures: Failure[];
  first_failure: (Failure & { step: number | null }) | null;
  error: string | null;
  runs: number;
  runs_passed: number;
  pass_rate: number;
  mode?: RunMode;
}

export interface Coverage {
  outputs: number;
  exercised: number;
  uncovered: { node_id: string; handle: string; edge_id: string | null }[];
}

export interface SuiteRun {
  id: number;
  version: string;
  passed: boolean;
  total: number;
  failed: number;
  created_at: string;
  draft_revision: number | null;
  suite_revision: number | null;
  result: { scenarios: ScenarioResult[]; coverage: Coverage; ms: number; mode?: RunMode };
}

export interface SuiteState {
  suite: Suite;
  revision: number;
  problems: SuiteProblem[];
  latest_run: SuiteRun | null;
}

export interface BranchDraft {
  scenario: Scenario;
  notes: string[];
  reaches: boolean;
}

const path = (id: number) => `/pipelines/${id}/tests`;

export const flowTestsApi = {
  get: (id: number) => api.get<SuiteState>(path(id)),
  save: (id: number, suite: Suite, revision: number) => api.put<{ revision: number; problems: SuiteProblem[] }>(path(id), { suite, revision }),
  run: (id: number, scenarios?: string[], mode: RunMode = "text") => api.post<SuiteRun>(`${path(id)}/run`, { version: "draft", scenarios: scenarios ?? null, mode }),
  draftForBranch: (id: number, nodeId: string, handle: string) => api.post<BranchDraft>(`${path(id)}/draft-for-branch`, { node_id: nodeId, handle }),
};

/** Adds a scenario made of a real call (its caller's turns, what happened) to its pipeline's tests. */
export const callToScenario = (callId: number) => api.post<{ pipeline_id: number; pipeline_name: string; scenario: Scenario }>(`/calls/${callId}/scenario`);
