// Generated from betool's OpenAPI schema by scripts/api_types.py: do not edit.
// After changing an API schema, run `uv run python scripts/api_types.py`.

export interface ActionExpectation {
  kind: "action";
  action: "transfer" | "hold" | "hangup" | "collect_digits" | "digits_collected";
  destination?: string;
  digits?: string;
}

export type ActionMessage = {
  type: "action";
  action: "hangup";
  params: HangupParams;
  node_id: string;
} | {
  type: "action";
  action: "transfer";
  params: TransferParams;
  node_id: string;
} | {
  type: "action";
  action: "hold";
  params: HoldParams;
  node_id: string;
} | {
  type: "action";
  action: "collect_digits";
  params: CollectDigitsParams;
  node_id: string;
} | {
  type: "action";
  action: "barge_in";
  params: BargeInParams;
  node_id: string;
};

export interface AnalysisOut {
  status: AnalysisStatus;
  run: number;
  summary: string;
  outcome: string;
  fields: Record<string, string | number | boolean | null>;
  error: string;
  model_name: string;
  input_tokens: number;
  output_tokens: number;
  requested_at: string;
  finished_at: string | null;
}

export type AnalysisStatus = "pending" | "succeeded" | "failed";

export type AnsweringMachineMode = "detect" | "ignore";

export interface ApiError {
  error: {
    code: string;
    message: string;
    details?: unknown;
  };
}

export interface AttemptOut {
  number: number;
  status_code: number | null;
  latency_ms: number;
  error: string;
  response_excerpt: string;
  manual: boolean;
  attempted_at: string;
}

export interface BalanceOut {
  balance: string;
  low_balance_threshold: string;
  low: boolean;
  open_alert: string | null;
}

export interface BargeInParams {
  enabled: boolean;
}

export interface BranchDraftOut {
  scenario: {
    id: string;
    name: string;
    caller_number?: string;
    variables?: Record<string, string | number | boolean | null>;
    attributes?: Record<string, string>;
    silence_timeout_s?: number;
    steps?: Step[];
    expect?: (VisitedExpectation | NotVisitedExpectation | BranchExpectation | IntentExpectation | VariableExpectation | ActionExpectation | SaidExpectation | NoFallbackExpectation | LatencyExpectation)[];
    model_answers?: CannedAnswer[] | null;
    simulated?: SimulatedCaller | null;
  };
  notes: string[];
  reaches: boolean;
}

export interface BranchExpectation {
  kind: "branch";
  node: string;
  output: string;
}

export interface BranchIn {
  node_id: string;
  handle: string;
}

export type CallChannel = "phone" | "browser_voice" | "browser_chat";

export interface CallDetailOut {
  id: number;
  direction: CallDirection;
  status: CallStatus;
  end_reason: string;
  end_reason_label: string;
  refusal_reason: string;
  from_number: string;
  to_number: string;
  number: string | null;
  pipeline_id: number | null;
  pipeline_name: string;
  pipeline_version: number | null;
  is_test: boolean;
  channel: CallChannel;
  tester: string;
  created_at: string;
  connected_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
  outcome: string | null;
  analysis_status: AnalysisStatus | null;
  room_name: string;
  transfer_target: string;
  transfer_summary: string;
  answered_by: string;
  answered_by_evidence: Record<string, unknown>;
  lifecycle: LifecycleOut;
  turns: TurnOut[];
  events: EventOut[];
  usage: Record<string, unknown>;
  cost: CostLineOut[];
  total_credits: string;
  analysis: AnalysisOut | null;
}

export type CallDirection = "inbound" | "outbound";

export type CallEventKind = "lifecycle" | "tool" | "action" | "dtmf" | "error";

export interface CallListQuery {
  number?: string;
  pipeline_id?: number | null;
  status?: CallStatus | null;
  live?: boolean | null;
  direction?: CallDirection | null;
  date_from?: string | null;
  date_to?: string | null;
  is_test?: boolean | null;
  outcome?: string;
  analysis_status?: AnalysisStatus | null;
  limit?: number;
  offset?: number;
}

export interface CallPageOut {
  items: CallSummaryOut[];
  total: number;
  limit: number;
  offset: number;
}

export interface CallScenarioOut {
  pipeline_id: number;
  pipeline_name: string;
  scenario: {
    id: string;
    name: string;
    caller_number?: string;
    variables?: Record<string, string | number | boolean | null>;
    attributes?: Record<string, string>;
    silence_timeout_s?: number;
    steps?: Step[];
    expect?: (VisitedExpectation | NotVisitedExpectation | BranchExpectation | IntentExpectation | VariableExpectation | ActionExpectation | SaidExpectation | NoFallbackExpectation | LatencyExpectation)[];
    model_answers?: CannedAnswer[] | null;
    simulated?: SimulatedCaller | null;
  };
}

export type CallStatus = "ringing" | "connected" | "active" | "on_hold" | "transferred" | "ended";

export interface CallSummaryOut {
  id: number;
  direction: CallDirection;
  status: CallStatus;
  end_reason: string;
  end_reason_label: string;
  refusal_reason: string;
  from_number: string;
  to_number: string;
  number: string | null;
  pipeline_id: number | null;
  pipeline_name: string;
  pipeline_version: number | null;
  is_test: boolean;
  channel: CallChannel;
  tester: string;
  created_at: string;
  connected_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
  outcome: string | null;
  analysis_status: AnalysisStatus | null;
}

export interface CampaignIn {
  name: string;
  pipeline_id: number;
  pinned_version?: number | null;
  caller_number_ids: number[];
  calling_windows?: Record<string, string[][]>;
  default_time_zone?: string;
  max_concurrent_calls?: number;
  retry_policy?: Record<string, Record<string, number>>;
  breaker_failure_percent?: number;
  breaker_window?: number;
  answering_machine?: "" | "detect" | "ignore";
}

export interface CampaignOut {
  id: number;
  name: string;
  status: CampaignStatus;
  status_reason: string;
  pipeline_id: number;
  pipeline_name: string;
  pinned_version: number | null;
  caller_number_ids: number[];
  caller_numbers: string[];
  calling_windows: Record<string, string[][]>;
  default_time_zone: string;
  max_concurrent_calls: number;
  effective_concurrency: number;
  retry_policy: Record<string, Record<string, number>>;
  breaker_failure_percent: number;
  breaker_window: number;
  answering_machine: string;
  import_report: ImportReportOut | null;
  progress: ProgressOut;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export type CampaignStatus = "draft" | "running" | "paused" | "cancelled" | "done";

export interface CannedAnswer {
  text?: string;
  tool?: string;
  arguments?: Record<string, unknown>;
}

export interface CatalogIn {
  kind: VoiceModelKind;
  provider: VoiceProvider;
  base_url?: string;
  api_key?: string;
  voice_model_id?: number | null;
}

export interface CatalogItemOut {
  id: string;
  name: string;
}

export interface CollectDigitsParams {
  max_digits: number;
  terminator: string;
  timeout_s: number;
}

export interface ConnectionOut {
  ok: boolean;
  message: string;
  ms: number;
  models?: CatalogItemOut[];
  voices?: CatalogItemOut[];
}

export interface ContactOut {
  id: number;
  e164: string;
  variables: Record<string, unknown>;
  time_zone: string;
  state: ContactState;
  attempts: number;
  next_attempt_at: string | null;
  last_outcome: string;
  final_outcome: string;
  source_row: number;
}

export interface ContactPage {
  items: ContactOut[];
  total: number;
  limit: number;
  offset: number;
}

export interface ContactQuery {
  state?: ContactState | null;
  outcome?: Outcome | null;
  limit?: number;
  offset?: number;
}

export interface ContactRowIn {
  number: string;
  variables?: Record<string, string>;
  time_zone?: string;
}

export type ContactState = "queued" | "calling" | "done";

export interface ContactsIn {
  csv?: string | null;
  contacts?: ContactRowIn[] | null;
  default_region?: string;
}

export interface CostLineOut {
  kind: string;
  label: string;
  quantity: string;
  credits: string;
}

export interface CountersOut {
  today: string;
  month: string;
  total: string;
  unit: string;
}

export interface CoverageOut {
  outputs: number;
  exercised: number;
  uncovered: UncoveredOutputOut[];
  exercised_outputs?: string[][];
}

export interface CreditIn {
  credits: number | string;
  kind?: LedgerKind;
  reason: string;
}

export interface DeliveryDetailOut {
  id: number;
  endpoint_id: number;
  message_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_latency_ms: number | null;
  last_error: string;
  response_excerpt: string;
  created_at: string;
  delivered_at: string | null;
  payload: Record<string, unknown>;
  attempt_log: AttemptOut[];
}

export interface DeliveryOut {
  id: number;
  endpoint_id: number;
  message_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_latency_ms: number | null;
  last_error: string;
  response_excerpt: string;
  created_at: string;
  delivered_at: string | null;
}

export interface DeliveryPage {
  items: DeliveryOut[];
  total: number;
  limit: number;
  offset: number;
}

export type DeliveryStatus = "pending" | "retrying" | "succeeded" | "failed";

export interface DiffQuery {
  base: number;
  target?: number | "draft";
}

export interface DoNotCallAdded {
  added: number;
  already_listed: number;
  rejected: RejectedRowOut[];
}

export interface DoNotCallIn {
  numbers: string[];
  note?: string;
  default_region?: string;
}

export interface DoNotCallOut {
  e164: string;
  note: string;
  created_at: string;
}

export interface DoNotCallQuery {
  search?: string;
  limit?: number;
}

export interface DraftIn {
  graph: Record<string, unknown>;
  revision: number;
}

export interface DraftSaved {
  revision: number;
  updated_at: string;
  problems: ProblemOut[];
}

export interface EndpointCreatedOut {
  id: number;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  consecutive_failures: number;
  disabled_reason: string;
  disabled_at: string | null;
  created_at: string;
  secret: string;
}

export interface EndpointIn {
  url: string;
  events: string[];
  description?: string;
}

export interface EndpointOut {
  id: number;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  consecutive_failures: number;
  disabled_reason: string;
  disabled_at: string | null;
  created_at: string;
}

export interface EndpointPatch {
  url?: string | null;
  events?: string[] | null;
  description?: string | null;
  enabled?: boolean | null;
}

export interface EventOut {
  kind: CallEventKind;
  name: string;
  data: Record<string, unknown>;
  occurred_at: string;
}

export type EventType = "call.started" | "call.ended" | "call.analyzed" | "recording.ready" | "credits.low" | "pipeline.published";

export interface EventTypeOut {
  type: EventType;
  description: string;
}

export interface FailureOut {
  kind: string;
  expected: string;
  observed: string;
}

export interface FirstFailureOut {
  kind: string;
  expected: string;
  observed: string;
  step: number | null;
}

export type GroupBy = "day" | "pipeline" | "number" | "model" | "call" | "campaign";

export interface HangupParams {
  reason: string;
}

export interface HoldParams {
  seconds: number;
  music: boolean;
  reason: string;
}

export interface ImportIn {
  format: string;
  graph: Record<string, unknown>;
  name?: string;
  description?: string;
  schema_version?: number | null;
  tests?: Record<string, unknown> | null;
}

export interface ImportReportOut {
  total_rows: number;
  accepted: number;
  rejected: RejectedRowOut[];
  required_variables: string[];
}

export interface IntentExpectation {
  kind: "intent";
  equals?: string;
}

export interface InviteCreatedOut {
  id: number;
  role: Role;
  email: string;
  created_at: string;
  expires_at: string;
  link: string;
  emailed: boolean;
}

export interface InviteIn {
  role: Role;
  email?: string;
}

export interface InviteOut {
  id: number;
  role: Role;
  email: string;
  created_at: string;
  expires_at: string;
}

export interface LatencyExpectation {
  kind: "latency";
  max_ms: number;
  of?: "engine" | "caller";
}

export interface LatestQuery {
  version?: number | "draft";
}

export interface LedgerEntryOut {
  id: number;
  kind: string;
  credits: string;
  reason: string;
  occurred_at: string;
  created_by?: string | null;
}

export type LedgerKind = "call_seconds" | "asr_seconds" | "tts_characters" | "llm_input_tokens" | "llm_output_tokens" | "top_up" | "adjustment";

export interface LifecycleOut {
  ringing_at: string | null;
  connected_at: string | null;
  active_at: string | null;
  on_hold_at: string | null;
  transferred_at: string | null;
  ended_at: string | null;
}

export interface MeOut {
  username: string;
  email: string;
  workspace: WorkspaceOut;
  role: Role;
  permissions: string[];
  workspaces: WorkspaceOut[];
}

export interface MemberIn {
  username: string;
  email?: string;
  password: string;
  role: Role;
}

export interface MemberOut {
  id: number;
  username: string;
  email: string;
  role: Role;
  created_at: string;
}

export interface NoFallbackExpectation {
  kind: "no_fallback";
}

export interface NotVisitedExpectation {
  kind: "not_visited";
  nodes: string[];
}

export interface NumberIn {
  e164: string;
  label?: string;
  trunk_id?: number | null;
  pipeline_id?: number | null;
  enabled?: boolean;
  language?: string;
  max_call_duration_s?: number;
  silence_timeout_s?: number;
  transfer_target?: string;
  pinned_version?: number | null;
  asr_model_id?: number | null;
  tts_model_id?: number | null;
  llm_model_id?: number | null;
  max_concurrent_calls?: number | null;
  barge_in_mode?: "none" | "speech" | "dtmf" | "any";
  barge_in_sensitivity?: "low" | "medium" | "high";
  record_calls?: boolean;
  recording_consent_line?: string;
}

export interface NumberOut {
  id: number;
  e164: string;
  label: string;
  trunk_id: number | null;
  pipeline_id: number | null;
  enabled: boolean;
  language: string;
  max_call_duration_s: number;
  silence_timeout_s: number;
  transfer_target: string;
  pinned_version: number | null;
  asr_model_id: number | null;
  tts_model_id: number | null;
  llm_model_id: number | null;
  max_concurrent_calls: number | null;
  barge_in_mode: "none" | "speech" | "dtmf" | "any";
  barge_in_sensitivity: "low" | "medium" | "high";
  record_calls: boolean;
  recording_consent_line: string;
  livekit_dispatch_rule_id: string;
  sync_status: SyncStatus;
  sync_error: string;
  synced_at: string | null;
  calls_today: number;
  calls_active: number;
}

export interface NumberPatch {
  e164?: string | null;
  label?: string | null;
  trunk_id?: number | null;
  pipeline_id?: number | null;
  enabled?: boolean | null;
  language?: string | null;
  max_call_duration_s?: number | null;
  silence_timeout_s?: number | null;
  transfer_target?: string | null;
  pinned_version?: number | null;
  asr_model_id?: number | null;
  tts_model_id?: number | null;
  llm_model_id?: number | null;
  max_concurrent_calls?: number | null;
  barge_in_mode?: "none" | "speech" | "dtmf" | "any" | null;
  barge_in_sensitivity?: "low" | "medium" | "high" | null;
  record_calls?: boolean | null;
  recording_consent_line?: string | null;
}

export interface OutboundCallIn {
  to: string;
  from_number?: string | null;
  number_id?: number | null;
  variables?: Record<string, string | number | boolean | null>;
  answering_machine?: AnsweringMachineMode | null;
}

export interface OutboundCallOut {
  id: number;
  direction: CallDirection;
  status: CallStatus;
  from_number: string;
  to_number: string;
  number_id: number | null;
  pipeline_version_id: number | null;
  room_name: string;
  created_at: string;
}

export type Outcome = "person" | "voicemail" | "busy" | "no_answer" | "failed" | "rejected_by_limit" | "cancelled" | "do_not_call";

export interface PageQuery {
  limit?: number;
  offset?: number;
}

export interface PipelineDetail {
  id: number;
  name: string;
  description: string;
  updated_at: string;
  updated_by: string | null;
  revision: number;
  has_unpublished_changes: boolean;
  published_version: PublishedOut | null;
  numbers: string[];
  graph: Record<string, unknown>;
}

export interface PipelineIn {
  name: string;
  description?: string;
  template?: string | null;
}

export interface PipelinePatch {
  name?: string | null;
  description?: string | null;
}

export interface PipelineSummary {
  id: number;
  name: string;
  description: string;
  updated_at: string;
  updated_by: string | null;
  revision: number;
  has_unpublished_changes: boolean;
  published_version: PublishedOut | null;
  numbers: string[];
}

export interface PriceIn {
  kind: string;
  model_name?: string;
  credits: number | string;
  effective_from: string;
  note?: string;
}

export interface PriceOut {
  id: number | null;
  kind: string;
  unit: string;
  model_name: string;
  credits: string;
  effective_from: string | null;
  note: string;
}

export interface ProblemOut {
  code: string;
  message: string;
  severity: "error" | "warning";
  node_id: string | null;
  edge_id: string | null;
  handle: string | null;
  field?: string | null;
}

export interface ProgressOut {
  total: number;
  waiting: number;
  dialing: number;
  in_call: number;
  to_retry: number;
  done: number;
  attempts: number;
  final_outcomes: Record<string, number>;
  attempt_outcomes: Record<string, number>;
  credits_spent: string;
}

export interface PublishIn {
  note?: string;
}

export interface PublishedOut {
  number: number;
  created_at: string;
  note: string;
}

export interface RecordingAccessOut {
  username: string;
  kind: string;
  kind_label: string;
  occurred_at: string;
}

export interface RecordingOut {
  call_id: number;
  format: string;
  content_type: string;
  channels: number;
  duration_s: number;
  size_bytes: number;
  started_at: string;
  partial: boolean;
  peaks: number[][];
  created_at: string;
  audio_path: string;
  download_path: string | null;
}

export interface RejectedRowOut {
  row: number;
  number: string;
  reason: string;
  message: string;
}

export type Role = "owner" | "admin" | "designer" | "finance";

export interface RoleIn {
  role: Role;
}

export interface RunIn {
  version?: number | "draft";
  scenarios?: string[] | null;
  mode?: "text" | "voice";
}

export interface RunOut {
  id: number;
  version: string;
  passed: boolean;
  total: number;
  failed: number;
  created_at: string;
  draft_revision: number | null;
  suite_revision: number | null;
  result: SuiteResultOut;
}

export interface SaidExpectation {
  kind: "said";
  match?: "contains" | "not_contains" | "regex" | "mentions";
  text: string;
}

export interface Scenario {
  id: string;
  name: string;
  caller_number?: string;
  variables?: Record<string, string | number | boolean | null>;
  attributes?: Record<string, string>;
  silence_timeout_s?: number;
  steps?: Step[];
  expect?: (VisitedExpectation | NotVisitedExpectation | BranchExpectation | IntentExpectation | VariableExpectation | ActionExpectation | SaidExpectation | NoFallbackExpectation | LatencyExpectation)[];
  model_answers?: CannedAnswer[] | null;
  simulated?: SimulatedCaller | null;
}

export interface ScenarioResultOut {
  scenario_id: string;
  name: string;
  passed: boolean;
  ms: number;
  greeting: string;
  steps: StepResultOut[];
  end_failures: FailureOut[];
  first_failure: FirstFailureOut | null;
  error: string | null;
  runs: number;
  runs_passed: number;
  pass_rate: number;
  transcript?: TranscriptLineOut[];
  mode?: "text" | "voice";
}

export interface SecretOut {
  secret: string;
}

export interface SimulatedCaller {
  persona: string;
  goal: string;
  max_turns?: number;
  runs?: number;
  min_pass_rate?: number;
  model?: string;
}

export type SipTransport = "udp" | "tcp" | "tls";

export interface Step {
  kind?: "say" | "digits" | "silence" | "hangup" | "transfer_outcome" | "voicemail";
  text?: string;
  digits?: string;
  seconds?: number;
  outcome?: "accepted" | "declined" | "busy" | "no_answer" | "failed" | null;
  expect?: (VisitedExpectation | NotVisitedExpectation | BranchExpectation | IntentExpectation | VariableExpectation | ActionExpectation | SaidExpectation | NoFallbackExpectation | LatencyExpectation)[];
}

export interface StepResultOut {
  index: number;
  kind: "say" | "digits" | "silence" | "hangup" | "transfer_outcome" | "voicemail";
  caller: string;
  said: string;
  nodes: string[];
  passed: boolean;
  failures: FailureOut[];
  trace: Record<string, unknown> | null;
  heard?: string | null;
  response_ms?: number | null;
}

export interface SuiteIn {
  suite: {
    scenarios?: Scenario[];
    require_passing_to_publish?: boolean;
  };
  revision?: number | null;
}

export interface SuiteOut {
  suite: {
    scenarios?: Scenario[];
    require_passing_to_publish?: boolean;
  };
  revision: number;
  problems: SuiteProblemOut[];
  latest_run: RunOut | null;
}

export interface SuiteProblemOut {
  scenario: string | null;
  step: number | null;
  field: string | null;
  message: string;
}

export interface SuiteResultOut {
  version: string;
  mode?: "text" | "voice";
  passed: boolean;
  total: number;
  failed: number;
  ms: number;
  scenarios: ScenarioResultOut[];
  coverage: CoverageOut;
}

export interface SuiteSaved {
  revision: number;
  problems: SuiteProblemOut[];
}

export interface SwitchIn {
  slug: string;
}

export type SyncStatus = "pending" | "synced" | "error";

export interface TemplateOut {
  key: string;
  name: string;
  description: string;
}

export interface TokenCreatedOut {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  token: string;
}

export interface TokenIn {
  name: string;
}

export interface TokenOut {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

export interface TranscriptLineOut {
  role: string;
  text: string;
}

export interface TransferParams {
  destination: string;
  mode: "cold" | "warm";
}

export type TrunkDirection = "inbound" | "outbound" | "both";

export interface TrunkIn {
  name: string;
  direction?: TrunkDirection;
  address?: string;
  transport?: SipTransport;
  username?: string;
  password?: string | null;
  inbound_username?: string;
  inbound_password?: string | null;
  allowed_addresses?: string[];
  codecs?: string[];
  max_concurrent_calls?: number;
  supports_refer?: boolean;
}

export interface TrunkOut {
  id: number;
  name: string;
  direction: TrunkDirection;
  address: string;
  transport: SipTransport;
  username: string;
  has_password: boolean;
  inbound_username: string;
  has_inbound_password: boolean;
  allowed_addresses: string[];
  codecs: string[];
  max_concurrent_calls: number;
  supports_refer: boolean;
  numbers: string[];
  livekit_inbound_trunk_id: string;
  livekit_outbound_trunk_id: string;
  sync_status: SyncStatus;
  sync_error: string;
  synced_at: string | null;
  calls_today: number;
  calls_active: number;
}

export interface TrunkPatch {
  name?: string | null;
  direction?: TrunkDirection | null;
  address?: string | null;
  transport?: SipTransport | null;
  username?: string | null;
  password?: string | null;
  inbound_username?: string | null;
  inbound_password?: string | null;
  allowed_addresses?: string[] | null;
  codecs?: string[] | null;
  max_concurrent_calls?: number | null;
  supports_refer?: boolean | null;
}

export interface TurnOut {
  sequence: number;
  user_text: string;
  agent_text: string;
  interrupted: boolean;
  reason: string;
  fallback: boolean;
  latencies: Record<string, number | null>;
  trace: Record<string, unknown>;
  started_at: string;
}

export interface UncoveredOutputOut {
  node_id: string;
  handle: string;
  edge_id: string | null;
}

export interface UsageOut {
  start: string;
  end: string;
  group_by: GroupBy;
  rows: UsageRowOut[];
  groups: number;
  totals: UsageRowOut;
}

export interface UsageQuery {
  start?: string | null;
  end?: string | null;
  group_by?: "day" | "pipeline" | "number" | "model" | "call" | "campaign";
  include_test?: boolean;
  only_test?: boolean;
  pipeline_id?: number | null;
  phone_number?: string;
  model_name?: string;
  offset?: number;
  limit?: number | null;
}

export interface UsageRowOut {
  key: string;
  label: string;
  calls: number;
  call_minutes: string;
  call_credits: string;
  asr_credits: string;
  tts_credits: string;
  llm_credits: string;
  total_credits: string;
}

export interface ValidateIn {
  graph: unknown;
}

export interface ValidateOut {
  problems: ProblemOut[];
}

export interface VariableExpectation {
  kind: "variable";
  name: string;
  equals?: string | number | boolean | null;
  is_set?: boolean;
}

export interface VersionDetail {
  number: number;
  note: string;
  author: string | null;
  created_at: string;
  graph: Record<string, unknown>;
}

export interface VersionOut {
  number: number;
  note: string;
  author: string | null;
  created_at: string;
}

export interface VisitedExpectation {
  kind: "visited";
  nodes: string[];
  mode?: "in_order" | "includes" | "exactly";
}

export interface VoiceModelIn {
  name: string;
  kind: VoiceModelKind;
  provider: VoiceProvider;
  model?: string;
  voice?: string;
  language?: string;
  base_url?: string;
  api_key?: string;
  enabled?: boolean;
}

export type VoiceModelKind = "asr" | "tts" | "llm";

export interface VoiceModelOut {
  id: number;
  name: string;
  kind: VoiceModelKind;
  provider: VoiceProvider;
  model: string;
  voice: string;
  language: string;
  base_url: string;
  enabled: boolean;
  is_default: boolean;
  has_api_key: boolean;
  usage: CountersOut;
  updated_at: string;
}

export interface VoiceModelPatch {
  name?: string | null;
  model?: string | null;
  voice?: string | null;
  language?: string | null;
  base_url?: string | null;
  api_key?: string | null;
  enabled?: boolean | null;
}

export type VoiceProvider = "deepgram" | "openai" | "elevenlabs" | "anthropic" | "openai_compatible" | "local_whisper" | "local_pocketsphinx" | "local_espeak";

export interface VoiceTestIn {
  pipeline_id: number;
  version?: number | "draft";
}

export interface VoiceTestOut {
  url: string;
  room: string;
  token: string;
  call_id: number;
}

export interface WorkspaceIn {
  name: string;
}

export interface WorkspaceOut {
  id: number;
  name: string;
  slug: string;
}

export interface WorkspacePatch {
  name?: string | null;
  time_zone?: string | null;
  stop_calls_at_zero_balance?: boolean | null;
  end_calls_at_zero_balance?: boolean | null;
  low_balance_threshold?: number | string | null;
  recording_retention_days?: number | null;
}

export interface WorkspaceSettingsOut {
  id: number;
  name: string;
  slug: string;
  time_zone: string;
  stop_calls_at_zero_balance: boolean;
  end_calls_at_zero_balance: boolean;
  low_balance_threshold: string;
  max_concurrent_calls: number;
  recording_retention_days: number;
}
