import { Link } from "react-router";
import type { PipelineSummary } from "../api/types";
import { Icon } from "../ui/Icon";
import { Menu } from "../ui/Menu";
import { relativeTime } from "../ui/format";
import { PipelineStatus } from "./PipelineStatus";

// Actions that talk to the server report their own failures, so callers may drop the promise.
export interface RowActions {
  rename: (p: PipelineSummary) => void;
  duplicate: (p: PipelineSummary) => Promise<void>;
  exportJson: (p: PipelineSummary) => Promise<void>;
  remove: (p: PipelineSummary) => void;
}

export function PipelineRow({ pipeline, actions, canEdit }: { pipeline: PipelineSummary; actions: RowActions; canEdit: boolean }) {
  return (
    <tr>
      <td>
        <Link to={`/pipelines/${pipeline.id}`} className="pipeline-name">
          {pipeline.name}
        </Link>
        {pipeline.description && (
          <div className="pipeline-description" title={pipeline.description}>
            {pipeline.description}
          </div>
        )}
      </td>
      <td>
        <PipelineStatus pipeline={pipeline} />
      </td>
      <td className="muted" title={new Date(pipeline.updated_at).toLocaleString()}>
        {relativeTime(pipeline.updated_at)}
      </td>
      <td>
        <div className="row-actions">
          <Menu
            label={`Actions for ${pipeline.name}`}
            button={<Icon name="more" />}
            items={[
              ...(canEdit
                ? [
                    { label: "Rename", icon: <Icon name="edit" />, onSelect: () => actions.rename(pipeline) },
                    { label: "Duplicate", icon: <Icon name="copy" />, onSelect: () => void actions.duplicate(pipeline) },
                  ]
                : []),
              { label: "Export JSON", icon: <Icon name="download" />, onSelect: () => void actions.exportJson(pipeline) },
              ...(canEdit
                ? ["separator" as const, { label: "Delete", icon: <Icon name="trash" />, danger: true, onSelect: () => actions.remove(pipeline) }]
                : []),
            ]}
          />
        </div>
      </td>
    </tr>
  );
}
