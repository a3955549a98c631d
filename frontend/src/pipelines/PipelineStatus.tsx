import type { PipelineSummary } from "../api/types";

/** Published version, unpublished changes, and the numbers that run it. */
export function PipelineStatus({ pipeline }: { pipeline: PipelineSummary }) {
  const { published_version: published, has_unpublished_changes: unpublished, numbers } = pipeline;
  return (
    <div className="badge-row">
      {published ? (
        <span className="badge badge-success badge-dot" title={published.note || undefined}>
          Published v{published.number}
        </span>
      ) : (
        <span className="badge">Not published</span>
      )}
      {unpublished && published && <span className="badge badge-warning badge-dot">Unpublished changes</span>}
      {numbers.length > 0 && (
        <span className="badge badge-accent" title={numbers.join(", ")}>
          {numbers.length === 1 ? numbers[0] : `${numbers.length} numbers`}
        </span>
      )}
    </div>
  );
}
