/** Loads a pipeline and the node catalog, and puts the graph into the store. */
import { useEffect, useState } from "react";
import { errorMessage } from "../api/client";
import { pipelinesApi } from "../api/pipelines";
import type { PipelineDetail } from "../api/types";
import { normalizeCatalog } from "./catalog/normalize";
import type { Catalog } from "./catalog/types";
import { useGraphStore } from "./store/graphStore";

let catalogPromise: Promise<Catalog> | null = null;

export function loadCatalog(): Promise<Catalog> {
  catalogPromise ??= pipelinesApi.nodeTypes().then(normalizeCatalog, (e: unknown) => {
    catalogPromise = null;
    throw e;
  });
  return catalogPromise;
}

export function useEditorData(pipelineId: number) {
  const [pipeline, setPipeline] = useState<PipelineDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    Promise.all([pipelinesApi.get(pipelineId), loadCatalog()]).then(
      ([detail, catalog]) => {
        if (cancelled) return;
        useGraphStore.getState().load(detail.graph, catalog);
        setPipeline(detail);
      },
      (e: unknown) => !cancelled && setError(errorMessage(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [pipelineId]);
  return { pipeline, setPipeline, error };
}
