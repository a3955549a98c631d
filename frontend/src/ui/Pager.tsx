/** "26–50 of 312" with a step back and a step on: the one pager of every paged table. */
export interface PagerProps {
  offset: number;
  pageSize: number;
  total: number;
  onOffset: (offset: number) => void;
  /** What a step back and a step on mean in this list ("Newer" / "Older" for calls, newest first). */
  previousLabel?: string;
  nextLabel?: string;
}

export function Pager({ offset, pageSize, total, onOffset, previousLabel = "Previous", nextLabel = "Next" }: PagerProps) {
  if (total <= pageSize) return null;
  return (
    <div className="toolbar-row" style={{ justifyContent: "flex-end", marginTop: 10 }}>
      <span className="muted">
        {offset + 1}–{Math.min(offset + pageSize, total)} of {total}
      </span>
      <button type="button" className="btn btn-sm" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - pageSize))}>
        {previousLabel}
      </button>
      <button type="button" className="btn btn-sm" disabled={offset + pageSize >= total} onClick={() => onOffset(offset + pageSize)}>
        {nextLabel}
      </button>
    </div>
  );
}
