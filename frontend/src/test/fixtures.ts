/** A catalog as the server serves it (a snapshot of GET /api/pipelines/node-types) and small graphs. */
import type { GraphDocument } from "../api/types";
import { normalizeCatalog } from "../editor/catalog/normalize";
import rawCatalog from "./catalog.fixture.json";

export const RAW_CATALOG: unknown = rawCatalog;
export const CATALOG = normalizeCatalog(rawCatalog);

export function sampleDocument(): GraphDocument {
  return {
    schema_version: 2,
    nodes: [
      { id: "start", type: "start", position: { x: 0, y: 0 }, data: { label: "Start", config: { receiver: "phone_gateway", greeting: "Hi" } } },
      {
        id: "classify",
        type: "classifier",
        position: { x: 300, y: 0 },
        data: { config: { mode: "keywords", intents: [{ name: "billing", keywords: ["bill"] }, { name: "support", keywords: [] }] } },
      },
      { id: "say", type: "say", position: { x: 600, y: 0 }, data: { config: { text: "Billing here." } } },
    ],
    edges: [
      { id: "e1", source: "start", sourceHandle: "out", target: "classify", targetHandle: "in" },
      { id: "e2", source: "classify", sourceHandle: "intent:billing", target: "say", targetHandle: "in" },
    ],
    viewport: { x: 0, y: 0, zoom: 1 },
    settings: { fallback_line: "Sorry?", iteration_limit: 3, turn_timeout_s: 8 },
  };
}
