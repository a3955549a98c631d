/** The frame of each administration page: its title, its main action, and its list in one of
 * three states (loading, failed with a retry, empty with what to do first). */
import type { ReactNode } from "react";
import type { Resource } from "./useResource";

export function AdminSection({ title, description, action, children }: { title: string; description: string; action?: ReactNode; children: ReactNode }) {
  return (
    <section aria-labelledby={`admin-${title}`}>
      <div className="admin-section-header">
        <div>
          <h2 id={`admin-${title}`}>{title}</h2>
          <p>{description}</p>
        </div>
        {action}
      </div>
      {children}
    </section>
  );
}

/** Whether a list loaded empty: its empty state then carries the page's main action, which the
 * header leaves out (one "New …" button on the page, not two). */
export function loadedEmpty<T>(resource: Resource<T[]>): boolean {
  return resource.data?.length === 0;
}

interface EmptyState {
  title: string;
  text: string;
  action?: string;
  onAction?: () => void;
}

export function LoadState<T>({ resource, empty, children }: { resource: Resource<T[]>; empty: EmptyState; children: (items: T[]) => ReactNode }) {
  if (resource.error) {
    return (
      <div className="alert alert-error" role="alert">
        {resource.error}{" "}
        <button type="button" className="btn btn-sm" onClick={resource.reload}>
          Try again
        </button>
      </div>
    );
  }
  if (resource.data === null) {
    return (
      <div className="loading" role="status">
        <div className="spinner" aria-label="Loading" />
      </div>
    );
  }
  if (resource.data.length === 0) {
    return (
      <div className="empty-state">
        <h2>{empty.title}</h2>
        <p>{empty.text}</p>
        {empty.action && empty.onAction && (
          <button type="button" className="btn btn-primary" onClick={empty.onAction}>
            {empty.action}
          </button>
        )}
      </div>
    );
  }
  return <>{children(resource.data)}</>;
}
