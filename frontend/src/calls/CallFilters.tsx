/** The history's filters: number, pipeline, status, direction, analysis outcome, dates, tests. */
import { useEffect, useState } from "react";
import type { CallDirection, CallQuery, CallStatus } from "../api/calls";
import { pipelinesApi } from "../api/pipelines";
import { PERMISSIONS, useCan } from "../app/session";
import { STATUS_LABELS } from "./format";

/** What the filter controls hold: "" is a filter left out. */
export interface CallFilterValues {
  number: string;
  pipeline_id: number | null;
  status: CallStatus | "";
  direction: CallDirection | "";
  date_from: string;
  date_to: string;
  outcome: string;
  tests: "exclude" | "include" | "only";
}

export const NO_FILTERS: CallFilterValues = { number: "", pipeline_id: null, status: "", direction: "", date_from: "", date_to: "", outcome: "", tests: "include" };

export function filtersToQuery(filters: CallFilterValues): CallQuery {
  const { tests, ...rest } = filters;
  return { ...rest, is_test: tests === "include" ? null : tests === "only" };
}

/** What a person must fix before the history can be asked for, or null. */
export function filterProblem(filters: CallFilterValues): string | null {
  if (filters.date_from && filters.date_to && filters.date_from > filters.date_to) return "The “from” date is after the “to” date.";
  return null;
}

export function CallFilters({ value, onChange }: { value: CallFilterValues; onChange: (next: CallFilterValues) => void }) {
  // Finance reads calls but not pipelines: for them a pipeline filter could list none.
  const canSeePipelines = useCan(PERMISSIONS.pipelinesView);
  const [pipelines, setPipelines] = useState<{ id: number; name: string }[]>([]);
  useEffect(() => {
    if (!canSeePipelines) return;
    pipelinesApi.list().then(
      (list) => setPipelines(list.map((p) => ({ id: p.id, name: p.name }))),
      () => setPipelines([]),
    );
  }, [canSeePipelines]);
  const set = <K extends keyof CallFilterValues>(key: K, v: CallFilterValues[K]) => onChange({ ...value, [key]: v });
  return (
    <div className="toolbar-row call-filters" role="search" aria-label="Filter calls">
      <input className="input" style={{ width: 150 }} type="search" placeholder="Number" aria-label="Number" value={value.number} onChange={(e) => set("number", e.target.value)} />
      {canSeePipelines && (
        <select className="select" style={{ width: 160 }} aria-label="Pipeline" value={value.pipeline_id ?? ""} onChange={(e) => set("pipeline_id", e.target.value ? Number(e.target.value) : null)}>
          <option value="">All pipelines</option>
          {pipelines.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      )}
      <select className="select" style={{ width: 130 }} aria-label="Status" value={value.status} onChange={(e) => set("status", e.target.value as CallStatus | "")}>
        <option value="">Any status</option>
        {Object.entries(STATUS_LABELS).map(([key, label]) => (
          <option key={key} value={key}>
            {label}
          </option>
        ))}
      </select>
      <select className="select" style={{ width: 140 }} aria-label="Direction" value={value.direction} onChange={(e) => set("direction", e.target.value as CallDirection | "")}>
        <option value="">Any direction</option>
        <option value="inbound">Inbound</option>
        <option value="outbound">Outbound</option>
      </select>
      <input className="input" style={{ width: 130 }} type="search" placeholder="Outcome" aria-label="Outcome" title="The outcome the post-call analysis chose (e.g. resolved)" value={value.outcome} onChange={(e) => set("outcome", e.target.value)} />
      <label className="date-filter">
        From <input className="input" type="date" aria-label="From date" value={value.date_from} onChange={(e) => set("date_from", e.target.value)} />
      </label>
      <label className="date-filter">
        To <input className="input" type="date" aria-label="To date" value={value.date_to} onChange={(e) => set("date_to", e.target.value)} />
      </label>
      <select className="select" style={{ width: 140 }} aria-label="Test calls" value={value.tests} onChange={(e) => set("tests", e.target.value as CallFilterValues["tests"])}>
        <option value="include">With test calls</option>
        <option value="exclude">Without tests</option>
        <option value="only">Only tests</option>
      </select>
      <button type="button" className="btn btn-ghost btn-sm" onClick={() => onChange(NO_FILTERS)}>
        Clear
      </button>
    </div>
  );
}
