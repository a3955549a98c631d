/** Shapes of betool's HTTP API: generated from its OpenAPI schema (./schema.gen.ts) where the
 * API declares them, written here where it carries free-form JSON (the graph document). */
import type * as Api from "./schema.gen";

export type Workspace = Api.WorkspaceOut;

export type Role = Api.Role;

export type Me = Api.MeOut;

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

export type PublishedVersionSummary = Api.PublishedOut;

export type PipelineSummary = Api.PipelineSummary;

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

export type Problem = Api.ProblemOut;

export type DraftSaved = Api.DraftSaved;

export interface StaleDraftDetails {
  revision: number;
  graph: GraphDocument;
  updated_by: string | null;
}

export type Version = Api.VersionOut;

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

export type PipelineTemplate = Api.TemplateOut;
