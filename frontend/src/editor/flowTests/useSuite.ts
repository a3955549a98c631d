/** The pipeline's suite as the Tests tab holds it: loaded once, saved whole, run on the draft;
 * every run's coverage goes to the graph store for the canvas to mark. */
import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../../api/client";
import { flowTestsApi, type RunMode, type Scenario, type Suite, type SuiteProblem, type SuiteRun } from "../../api/flowTests";
import { useGraphStore } from "../store/graphStore";
import { cleanScenario, uncoveredEdgeIds } from "./suiteModel";

export function useSuite(pipelineId: number) {
  const [suite, setSuite] = useState<Suite | null>(null);
  const [revision, setRevision] = useState(1);
  const [problems, setProblems] = useState<SuiteProblem[]>([]);
  const [run, setRun] = useState<SuiteRun | null>(null);
  const [busy, setBusy] = useState<"saving" | "running" | null>(null);
  const [error, setError] = useState<string | null>(null);

  const showRun = useCallback((next: SuiteRun | null) => {
    setRun(next);
    useGraphStore.getState().setUncoveredEdges(next ? uncoveredEdgeIds(next) : null);
  }, []);

  useEffect(() => {
    let live = true;
    flowTestsApi
      .get(pipelineId)
      .then((state) => {
        if (!live) return;
        setSuite(state.suite);
        setRevision(state.revision);
        setProblems(state.problems);
        showRun(state.latest_run);
      })
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
      useGraphStore.getState().setUncoveredEdges(null);
    };
  }, [pipelineId, showRun]);

  const save = useCallback(
    async (next: Suite): Promise<boolean> => {
      const previous = suite;
      setBusy("saving");
      setError(null);
      // Shown at once (a ticked box stays ticked); put back if the save is refused.
      setSuite(next);
      try {
        const saved = await flowTestsApi.save(pipelineId, next, revision);
        setRevision(saved.revision);
        setProblems(saved.problems);
        return true;
      } catch (e) {
        setSuite(previous);
        setError(errorMessage(e));
        return false;
      } finally {
        setBusy(null);
      }
    },
    [pipelineId, revision, suite],
  );

  const saveScenario = useCallback(
    (scenario: Scenario, replacing: string | null) => {
      if (!suite) return Promise.resolve(false);
      const clean = cleanScenario(scenario);
      const scenarios = replacing === null ? [...suite.scenarios, clean] : suite.scenarios.map((s) => (s.id === replacing ? clean : s));
      return save({ ...suite, scenarios });
    },
    [suite, save],
  );

  const removeScenario = useCallback((id: string) => (suite ? save({ ...suite, scenarios: suite.scenarios.filter((s) => s.id !== id) }) : Promise.resolve(false)), [suite, save]);

  const runSuite = useCallback(
    async (beforeRun: () => Promise<void>, mode: RunMode = "text") => {
      setBusy("running");
      setError(null);
      try {
        await beforeRun();
        showRun(await flowTestsApi.run(pipelineId, undefined, mode));
      } catch (e) {
        setError(errorMessage(e));
      } finally {
        setBusy(null);
      }
    },
    [pipelineId, showRun],
  );

  return { suite, problems, run, busy, error, save, saveScenario, removeScenario, runSuite };
}
