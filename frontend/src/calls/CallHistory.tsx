/** Past and present calls, filtered and paged, newest first; a row opens the call. */
import { useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { callsApi, type CallPage } from "../api/calls";
import { errorMessage } from "../api/client";
import { dateTime } from "../ui/format";
import { CallFilters, filterProblem, filtersToQuery, NO_FILTERS, type CallFilterValues } from "./CallFilters";
import { callParties, directionLabel, formatDuration, pipelineLabel, STATUS_LABELS, statusBadgeClass } from "./format";
import { Pager } from "../ui/Pager";

const PAGE_SIZE = 25;

/** `reloadKey` changes when the history should be asked for again (a call ended). */
export function CallHistory({ reloadKey }: { reloadKey: number }) {
  const [filters, setFilters] = useState<CallFilterValues>(NO_FILTERS);
  const [offset, setOffset] = useState(0);
  // The page shown, with the query it answers: until the next answer arrives the last one stays, marked busy.
  const [shown, setShown] = useState<{ queryKey: string; page: CallPage } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const problem = filterProblem(filters);
  const queryKey = JSON.stringify({ ...filtersToQuery(filters), limit: PAGE_SIZE, offset });

  useEffect(() => {
    if (problem) return;
    const controller = new AbortController();
    callsApi.list(JSON.parse(queryKey) as ReturnType<typeof filtersToQuery>, controller.signal).then(
      (p) => {
        // An answer to a query the filters have left since must not replace the newer one.
        if (controller.signal.aborted) return;
        setShown({ queryKey, page: p });
        setError(null);
      },
      (e: unknown) => {
        if (!controller.signal.aborted) setError(`Could not load the calls: ${errorMessage(e)}`);
      },
    );
    return () => controller.abort();
  }, [queryKey, problem, reloadKey]);

  const page = shown?.page ?? null;
  const loading = !problem && shown !== null && shown.queryKey !== queryKey;

  const changeFilters = (next: CallFilterValues) => {
    setFilters(next);
    setOffset(0);
  };

  return (
    <section aria-labelledby="call-history" className="calls-section" aria-busy={loading}>
      <div className="calls-section-header">
        <h2 id="call-history">History</h2>
        {page && (
          <span className="muted" data-testid="call-count">
            {page.total} {page.total === 1 ? "call" : "calls"}
          </span>
        )}
        {page && page.total > 0 && !problem && (
          <a className="btn btn-sm" href={callsApi.csvUrl(filtersToQuery(filters))} download>
            Export CSV
          </a>
        )}
      </div>
      <CallFilters value={filters} onChange={changeFilters} />
      {(problem ?? error) && (
        <div className="alert alert-error" role="alert" style={{ marginBottom: 10 }}>
          {problem ?? error}
        </div>
      )}
      {page && <CallTable page={page} />}
      {page && <Pager offset={offset} pageSize={PAGE_SIZE} total={page.total} onOffset={setOffset} previousLabel="Newer" nextLabel="Older" />}
    </section>
  );
}

function CallTable({ page }: { page: CallPage }) {
  const navigate = useNavigate();
  if (page.items.length === 0) {
    return (
      <div className="empty-state">
        <h2>No calls match</h2>
        <p>Change or clear the filters. Calls appear here as soon as they start.</p>
      </div>
    );
  }
  return (
    <table className="pipeline-table calls-table" data-testid="call-table">
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">Caller → called</th>
          <th scope="col">Pipeline</th>
          <th scope="col">Direction</th>
          <th scope="col">Status</th>
          <th scope="col">Ended because</th>
          <th scope="col">Outcome</th>
          <th scope="col" className="num">
            Duration
          </th>
        </tr>
      </thead>
      <tbody>
        {page.items.map((call) => (
          <tr key={call.id} className="clickable-row" onClick={() => void navigate(`/calls/${call.id}`)}>
            <td>
              <a
                href={`/calls/${call.id}`}
                onClick={(e) => {
                  e.preventDefault();
                  void navigate(`/calls/${call.id}`);
                }}
              >
                {dateTime(call.created_at)}
              </a>
            </td>
            <td className="mono">{callParties(call)}</td>
            <td>
              {pipelineLabel(call)}
              {call.is_test && <span className="badge" style={{ marginLeft: 6 }}>test</span>}
            </td>
            <td>{directionLabel(call)}</td>
            <td>
              <span className={statusBadgeClass(call.status)}>{STATUS_LABELS[call.status]}</span>
            </td>
            <td>{call.end_reason_label || "—"}</td>
            <td>{call.analysis_status === "failed" ? <span className="badge badge-danger">analysis failed</span> : call.outcome ? <span className="badge">{call.outcome}</span> : "—"}</td>
            <td className="num">{formatDuration(call.duration_s)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
