import { useEffect } from "react";
import { pipelinesApi } from "../../api/pipelines";
import { useGraphStore } from "../store/graphStore";

const VALIDATE_DEBOUNCE_MS = 350;

/** Validates the graph on the server a moment after each change; problems land in the store. */
export function useValidation(enabled: boolean): void {
  const changeSeq = useGraphStore((s) => s.changeSeq);
  const loadedCatalog = useGraphStore((s) => s.catalog);
  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      const graph = useGraphStore.getState().toDocument();
      pipelinesApi.validate(graph).then(
        ({ problems }) => {
          if (!cancelled) useGraphStore.getState().setProblems(problems);
        },
        () => {
          /* validation is advisory; the save status says when the server is unreachable */
        },
      );
    }, VALIDATE_DEBOUNCE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [changeSeq, enabled, loadedCatalog]);
}
