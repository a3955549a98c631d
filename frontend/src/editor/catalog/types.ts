/** The node-type catalog as the editor uses it, whatever the exact shape the server sends. */

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  multipleOf?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
  [extension: string]: unknown;
}

export interface HandleSpec {
  id: string;
  label: string;
}

/** Outputs that come from a list in the config, e.g. one `intent:<name>` per classifier intent. */
export interface DynamicOutputs {
  /** config field holding the list */
  field: string;
  /** key of each item that names the handle; empty for lists of strings */
  key: string;
  /** handle id prefix, e.g. "intent:" */
  prefix: string;
}

export interface NodeTypeSpec {
  type: string;
  label: string;
  description: string;
  category: string;
  /** an icon name from the catalog (lucide's names), may be empty */
  icon: string;
  configSchema: JsonSchema;
  inputs: HandleSpec[];
  outputs: HandleSpec[];
  dynamicOutputs: DynamicOutputs[];
  defaults: Record<string, unknown>;
  /** a designer may place at most this many (Start: 1) */
  maxPerGraph: number | null;
}

export type RawCatalog = unknown;

export type Catalog = Record<string, NodeTypeSpec>;
