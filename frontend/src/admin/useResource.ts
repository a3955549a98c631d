/** A list read from the API, with its loading and error state and a way to read it again. */
import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage } from "../api/client";

export interface Resource<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

interface Answer<T> {
  generation: number;
  data: T | null;
  error: string | null;
}

export function useResource<T>(load: () => Promise<T>): Resource<T> {
  // The first `load` is kept: pages pass a function of the admin API, the same every render.
  const loadRef = useRef(load);
  const [generation, setGeneration] = useState(0);
  const [answer, setAnswer] = useState<Answer<T>>({ generation: -1, data: null, error: null });
  useEffect(() => {
    let live = true;
    loadRef.current().then(
      (data) => live && setAnswer({ generation, data, error: null }),
      (e: unknown) => live && setAnswer((previous) => ({ generation, data: previous.data, error: errorMessage(e) })),
    );
    return () => {
      live = false;
    };
  }, [generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: answer.data, error: answer.error, loading: answer.generation !== generation, reload };
}
