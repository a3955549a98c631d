/** Shapes of betool's HTTP API, as pinned in docs/contracts.md. */

export interface Workspace {
  id: number;
  name: string;
  slug: string;
}

export type Role = "owner" | "admin" | "designer" | "finance";

export interface Me {
  username: string;
  email: string;
  workspace: Workspace;
  role: Role;
  permissions: string[];
  workspaces: Workspace[];
}

export interface HealthPart {
  status: "ok" | "error" | "disabled";
  detail?: unknown;
  ms?: number;
}

export interface Health {
  status: string;
  database: HealthPart;
  redis: HealthPart;
  livekit: HealthPart;
}

export interface PublishedVersionSummary {
  number: number;
  created_at: string;
  note: string;
}

export interface PipelineSummary {
  id: number;
  name: string;
  description: string;
  updated_at: string;
  revision: number;
  has_unpublished_changes: boolean;
  published_version: PublishedVersionSummary | null;
  numbers: string[];
}

export interface GraphNode {
  id: string;
  type: string;
  position: { x: number; y: number };
  /** ends_turn: open outputs the designer marked as ending the turn on purpose */
  data: { label?: string; config: Record<string, unknown>; ends_turn?: string[] };
  width?: number;
  height?: number;
}

export interface GraphEdge {
  id: string;
  source: string;
  sourceHandle: string | null;
  target: string;
  targetHandle: string | null;
  data?: Record<string, unknown>;
}

export interface GraphSettings {
  fallback_line: string;
  iteration_limit: number;
  turn_timeout_s: number;
  input_variables?: string[];
  [key: string]: unknown;
}

export interface GraphDocument {
  schema_version: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  viewport: { x: number; y: number; zoom: number };
  settings: GraphSettings;
}

export interface PipelineDetail extends PipelineSummary {
  graph: GraphDocument;
}

export type Severity = "error" | "warning";

export interface Problem {
  code: string;
  message: string;
  node_id: string | null;
  edge_id: string | null;
  handle: string | null;
  severity: Severity;
  /** the config field concerned, dotted (e.g. "conditions.0.value"), when known */
  field?: string | null;
}

export interface DraftSaved {
  revision: number;
  updated_at: string;
  problems: Problem[];
}

export interface StaleDraftDetails {
  revision: number;
  graph: GraphDocument;
  updated_by: string | null;
}

export interface Version {
  number: number;
  note: string;
  author: string | null;
  created_at: string;
}

export interface VersionDetail extends Version {
  graph: GraphDocument;
}

export interface ChangedNode {
  id: string;
  fields: string[];
}

export interface GraphDiff {
  nodes: { added: string[]; removed: string[]; changed: ChangedNode[] };
  edges: { added: string[]; removed: string[] };
  settings_changed?: boolean;
}

export interface PipelineExport {
  format: "betool.pipeline";
  schema_version: number;
  name: string;
  description: string;
  graph: GraphDocument;
}

export interface PipelineTemplate {
  key: string;
  name: string;
  description: string;
}
