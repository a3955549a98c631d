import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../api/client";
import { pipelinesApi } from "../api/pipelines";
import type { PipelineSummary } from "../api/types";

const SEARCH_DEBOUNCE_MS = 250;

/** The workspace's pipelines matching `search`, refreshed on demand. Until the answer to a
 * new search arrives the last list stays, with the search it answers (`shownSearch`), and
 * `loading` is true. */
export function usePipelineList(search: string) {
  const [shown, setShown] = useState<{ search: string; pipelines: PipelineSummary[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reloadKey, setReloadKey] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      pipelinesApi.list(search.trim(), controller.signal).then(
        (list) => {
          // The answer to a search typed over since must not replace the newer one.
          if (controller.signal.aborted) return;
          setShown({ search, pipelines: list });
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
  return { pipelines: shown?.pipelines ?? null, shownSearch: shown?.search ?? "", loading: shown !== null && shown.search !== search, error, reload };
}
