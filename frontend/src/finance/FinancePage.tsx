/** Finance: the balance, credits used by day / pipeline / number / model / call, CSV export, top-ups. */
import { useCallback, useEffect, useState } from "react";
import { creditsApi, type Balance, type GroupBy, type LedgerEntry, type Usage, type UsageQuery } from "../api/credits";
import { errorMessage } from "../api/client";
import { useCan } from "../app/session";
import { dateTime } from "../ui/format";
import { Icon } from "../ui/Icon";
import { Pager } from "../ui/Pager";
import { CreditDialog } from "./CreditDialog";
import { daysAgo, formatCredits } from "./format";
import { UsageChart } from "./UsageChart";

const GROUPS: { value: GroupBy; label: string }[] = [
  { value: "day", label: "Day" },
  { value: "pipeline", label: "Pipeline" },
  { value: "number", label: "Number" },
  { value: "model", label: "Model" },
  { value: "call", label: "Call" },
  { value: "campaign", label: "Campaign" },
];

// A page holds every day of the longest range, so the chart by day is never cut; a year of
// calls is paged.
const PAGE_ROWS = 100;

const RANGES = [
  { days: 7, label: "Last 7 days" },
  { days: 30, label: "Last 30 days" },
  { days: 90, label: "Last 90 days" },
];

export function FinancePage() {
  const canManage = useCan("balance.manage");
  const [range, setRange] = useState(30);
  const [groupBy, setGroupBy] = useState<GroupBy>("day");
  const [includeTest, setIncludeTest] = useState(false);
  // The usage shown, with the page it answers: until the next page arrives the last one stays, marked busy.
  const [shown, setShown] = useState<{ queryKey: string; pageKey: string; usage: Usage } | null>(null);
  const [balance, setBalance] = useState<Balance | null>(null);
  const [entries, setEntries] = useState<LedgerEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const query: UsageQuery = { start: daysAgo(range - 1), end: daysAgo(0), group_by: groupBy, include_test: includeTest };
  const queryKey = JSON.stringify(query);
  // A page belongs to its query: another grouping, range or test choice starts at its first page.
  const [paging, setPaging] = useState({ queryKey, offset: 0 });
  const offset = paging.queryKey === queryKey ? paging.offset : 0;
  const setOffset = (next: number) => setPaging({ queryKey, offset: next });
  const pageKey = JSON.stringify({ ...query, offset, limit: PAGE_ROWS });

  useEffect(() => {
    let live = true;
    creditsApi.usage(JSON.parse(pageKey) as UsageQuery).then(
      (u) => live && setShown({ queryKey, pageKey, usage: u }),
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [pageKey, queryKey]);

  const usage = shown?.usage ?? null;
  const loading = shown?.pageKey !== pageKey;
  // Another grouping, range or test choice has other totals: its pager waits for its own rows.
  const sameQuery = shown?.queryKey === queryKey;

  const loadLedger = useCallback(() => {
    creditsApi.balance().then(setBalance, (e: unknown) => setError(errorMessage(e)));
    creditsApi.entries().then(setEntries, () => setEntries([]));
  }, []);
  useEffect(loadLedger, [loadLedger]);

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Finance</h1>
          <p>Credits used by calls and models. Test usage from the editor is left out unless you include it.</p>
        </div>
        <div style={{ display: "flex", gap: 8 }}>
          <a className="btn" href={creditsApi.usageCsvUrl(query)} download>
            <Icon name="download" /> Export CSV
          </a>
          {canManage && (
            <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
              <Icon name="plus" /> Add credits
            </button>
          )}
        </div>
      </div>
      {error && (
        <div className="alert alert-error" role="alert" style={{ marginBottom: 12 }}>
          {error}
        </div>
      )}

      <div className="stat-grid">
        <div className={`stat-card${balance?.low ? " stat-low" : ""}`}>
          <div className="stat-label">Balance</div>
          <div className="stat-value" data-testid="balance">
            {balance ? formatCredits(balance.balance) : "…"}
          </div>
          <div className="stat-note">{balance?.low ? `Below the alert threshold of ${formatCredits(balance.low_balance_threshold)}` : "credits"}</div>
        </div>
        <div className="stat-card">
          <div className="stat-label">Used in range</div>
          <div className="stat-value">{usage ? formatCredits(usage.totals.total_credits) : "…"}</div>
          <div className="stat-note">credits</div>
        </div>
        <div className="stat-card">
          <div className="stat-label">Calls</div>
          <div className="stat-value">{usage ? usage.totals.calls : "…"}</div>
          <div className="stat-note">{usage ? `${formatCredits(usage.totals.call_minutes)} minutes` : ""}</div>
        </div>
      </div>

      <div className="toolbar-row" style={{ flexWrap: "wrap" }}>
        <div className="segmented" role="group" aria-label="Group usage by">
          {GROUPS.map((g) => (
            <button key={g.value} type="button" className="segment" aria-pressed={groupBy === g.value} onClick={() => setGroupBy(g.value)}>
              {g.label}
            </button>
          ))}
        </div>
        <select className="select" style={{ width: 160 }} aria-label="Date range" value={range} onChange={(e) => setRange(Number(e.target.value))}>
          {RANGES.map((r) => (
            <option key={r.days} value={r.days}>
              {r.label}
            </option>
          ))}
        </select>
        <label className="checkbox">
          <input type="checkbox" checked={includeTest} onChange={(e) => setIncludeTest(e.target.checked)} />
          Include test usage
        </label>
      </div>

      {usage && groupBy === "day" && usage.rows.length > 0 && <UsageChart rows={usage.rows} />}
      {usage && <UsageTable usage={usage} loading={loading} />}
      {usage && sameQuery && <Pager offset={offset} pageSize={PAGE_ROWS} total={usage.groups} onOffset={setOffset} />}

      <h2 style={{ margin: "28px 0 10px" }}>Top-ups and adjustments</h2>
      {entries.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <table className="pipeline-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Kind</th>
              <th scope="col">Reason</th>
              <th scope="col">By</th>
              <th scope="col" className="num">
                Credits
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{dateTime(e.occurred_at)}</td>
                <td>{e.kind === "top_up" ? "Top-up" : "Adjustment"}</td>
                <td>{e.reason}</td>
                <td>{e.created_by ?? "—"}</td>
                <td className="num">{formatCredits(e.credits)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {adding && <CreditDialog onClose={() => setAdding(false)} onDone={loadLedger} />}
    </div>
  );
}

function UsageTable({ usage, loading }: { usage: Usage; loading: boolean }) {
  if (usage.rows.length === 0) {
    return (
      <div className="empty-state">
        <h2>No usage in this range</h2>
        <p>Calls and model usage appear here as soon as they happen.</p>
      </div>
    );
  }
  const cells = (r: (typeof usage.rows)[number]) => (
    <>
      <td className="num">{r.calls}</td>
      <td className="num">{formatCredits(r.call_minutes)}</td>
      <td className="num">{formatCredits(r.call_credits)}</td>
      <td className="num">{formatCredits(r.asr_credits)}</td>
      <td className="num">{formatCredits(r.tts_credits)}</td>
      <td className="num">{formatCredits(r.llm_credits)}</td>
      <td className="num strong">{formatCredits(r.total_credits)}</td>
    </>
  );
  return (
    <table className="pipeline-table usage-table" aria-busy={loading}>
      <thead>
        <tr>
          <th scope="col">{usage.group_by === "day" ? "Day" : usage.group_by.charAt(0).toUpperCase() + usage.group_by.slice(1)}</th>
          <th scope="col" className="num">Calls</th>
          <th scope="col" className="num">Minutes</th>
          <th scope="col" className="num">Call</th>
          <th scope="col" className="num">ASR</th>
          <th scope="col" className="num">TTS</th>
          <th scope="col" className="num">LLM</th>
          <th scope="col" className="num">Total</th>
        </tr>
      </thead>
      <tbody>
        {usage.rows.map((r) => (
          <tr key={r.key}>
            <td>{r.label}</td>
            {cells(r)}
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">Total</th>
          {cells(usage.totals)}
        </tr>
      </tfoot>
    </table>
  );
}
