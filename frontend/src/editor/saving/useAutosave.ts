/**
 * Continuous autosave of the draft. Each change is sent with the revision it was based on;
 * a 409 stale_draft stops saving and reports the conflict — nothing is ever overwritten.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, errorMessage, OFFLINE_CODE } from "../../api/client";
import { pipelinesApi } from "../../api/pipelines";
import type { StaleDraftDetails } from "../../api/types";
import { useGraphStore } from "../store/graphStore";

export type SaveState = "saved" | "unsaved" | "saving" | "offline" | "conflict" | "error";

const SAVE_DEBOUNCE_MS = 800;
const RETRY_MS = 5000;

export interface Autosave {
  state: SaveState;
  error: string | null;
  conflict: StaleDraftDetails | null;
  revision: number;
  saveNow: () => void;
  /** saves pending edits and resolves once the server has them; rejects with the reason if it cannot */
  flush: () => Promise<void>;
  /** after a conflict is resolved or a new graph is loaded from the server */
  reset: (revision: number) => void;
}

function isOffline(error: unknown): boolean {
  return error instanceof ApiError && (error.code === OFFLINE_CODE || error.status >= 500);
}

export function useAutosave(pipelineId: number, initialRevision: number, enabled: boolean): Autosave {
  const [state, setState] = useState<SaveState>("saved");
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<StaleDraftDetails | null>(null);
  const [revision, setRevision] = useState(initialRevision);
  const revisionRef = useRef(initialRevision);
  const savedSeq = useRef(0);
  const inFlight = useRef<Promise<void> | null>(null);
  const blocked = useRef(false);
  const lastError = useRef<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  /** the latest save, for the retries that a save schedules for itself */
  const saveAgain = useRef<() => Promise<void>>(() => Promise.resolve());

  const fail = useCallback((message: string, next: SaveState) => {
    lastError.current = message;
    setError(message);
    setState(next);
  }, []);

  const save = useCallback((): Promise<void> => {
    clearTimeout(timer.current);
    if (!enabled || blocked.current) return Promise.resolve();
    if (inFlight.current) return inFlight.current;
    const store = useGraphStore.getState();
    const seq = store.changeSeq;
    if (seq === savedSeq.current) {
      setState("saved");
      return Promise.resolve();
    }
    setState("saving");
    const attempt = pipelinesApi
      .saveDraft(pipelineId, store.toDocument(), revisionRef.current)
      .then((saved) => {
        revisionRef.current = saved.revision;
        setRevision(saved.revision);
        savedSeq.current = seq;
        lastError.current = null;
        setError(null);
        const pending = useGraphStore.getState().changeSeq !== seq;
        setState(pending ? "unsaved" : "saved");
        if (pending) timer.current = setTimeout(() => void saveAgain.current(), SAVE_DEBOUNCE_MS);
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.code === "stale_draft") {
          blocked.current = true;
          setConflict(e.details as StaleDraftDetails);
          fail("Someone else saved this draft: resolve the conflict first.", "conflict");
        } else if (isOffline(e)) {
          fail(errorMessage(e), "offline");
          timer.current = setTimeout(() => void saveAgain.current(), RETRY_MS);
        } else {
          fail(errorMessage(e), "error");
        }
      })
      .finally(() => {
        inFlight.current = null;
      });
    inFlight.current = attempt;
    return attempt;
  }, [enabled, pipelineId, fail]);

  useEffect(() => {
    saveAgain.current = save;
  }, [save]);

  const flush = useCallback(async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (inFlight.current) await inFlight.current;
      if (useGraphStore.getState().changeSeq === savedSeq.current) return;
      if (blocked.current || (attempt > 0 && lastError.current)) throw new Error(lastError.current ?? "The draft could not be saved.");
      await save();
    }
  }, [save]);

  // Every change (changeSeq) schedules a save a moment later.
  const changeSeq = useGraphStore((s) => s.changeSeq);
  useEffect(() => {
    if (!enabled || blocked.current || changeSeq === savedSeq.current) return;
    setState((s) => (s === "saving" || s === "offline" ? s : "unsaved"));
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void save(), SAVE_DEBOUNCE_MS);
  }, [changeSeq, enabled, save]);

  // Leaving the editor (Back, another page) saves what is pending at once instead of dropping it.
  useEffect(
    () => () => {
      clearTimeout(timer.current);
      if (enabled && !blocked.current && useGraphStore.getState().changeSeq !== savedSeq.current) void saveAgain.current();
    },
    [enabled],
  );

  // Leaving with unsaved work asks first; coming back online saves at once.
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (enabled && useGraphStore.getState().changeSeq !== savedSeq.current) event.preventDefault();
    };
    const onOnline = () => void save();
    window.addEventListener("beforeunload", onBeforeUnload);
    window.addEventListener("online", onOnline);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      window.removeEventListener("online", onOnline);
    };
  }, [save, enabled]);

  const reset = useCallback((next: number) => {
    revisionRef.current = next;
    setRevision(next);
    savedSeq.current = useGraphStore.getState().changeSeq;
    blocked.current = false;
    lastError.current = null;
    setConflict(null);
    setError(null);
    setState("saved");
  }, []);

  const saveNow = useCallback(() => void save(), [save]);
  return { state, error, conflict, revision, saveNow, flush, reset };
}
