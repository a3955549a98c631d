import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../api/client";
import { pipelinesApi } from "../api/pipelines";
import type { PipelineSummary } from "../api/types";

const SEARCH_DEBOUNCE_MS = 250;

/** The workspace's pipelines matching `search`, refreshed on demand. */
export function usePipelineList(search: string) {
  const [pipelines, setPipelines] = useState<PipelineSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reloadKey, setReloadKey] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      pipelinesApi.list(search.trim(), controller.signal).then(
        (list) => {
          setPipelines(list);
          setError(null);
        },
        (e: unknown) => {
          if (!controller.signal.aborted) setError(errorMessage(e));
        },
      );
    }, search ? SEARCH_DEBOUNCE_MS : 0);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [search, reloadKey]);

  const reload = useCallback(() => setReloadKey((k) => k + 1), []);
  return { pipelines, error, reload };
}
