/** Endpoints of /api/pipelines, one function each. */
import { api } from "./client";
import type {
  DraftSaved,
  GraphDiff,
  GraphDocument,
  PipelineDetail,
  PipelineExport,
  PipelineSummary,
  PipelineTemplate,
  Problem,
  Version,
  VersionDetail,
} from "./types";
import type { RawCatalog } from "../editor/catalog/types";

const base = "/pipelines";

export const pipelinesApi = {
  list: (search = "", signal?: AbortSignal) =>
    api.get<PipelineSummary[]>(`${base}${search ? `?search=${encodeURIComponent(search)}` : ""}`, signal),
  create: (body: { name: string; description?: string; template?: string }) => api.post<PipelineDetail>(base, body),
  get: (id: number) => api.get<PipelineDetail>(`${base}/${id}`),
  update: (id: number, body: { name?: string; description?: string }) => api.patch<PipelineSummary>(`${base}/${id}`, body),
  remove: (id: number) => api.delete<void>(`${base}/${id}`),
  duplicate: (id: number) => api.post<PipelineDetail>(`${base}/${id}/duplicate`),
  saveDraft: (id: number, graph: GraphDocument, revision: number) =>
    api.put<DraftSaved>(`${base}/${id}/draft`, { graph, revision }),
  publish: (id: number, note: string) => api.post<Version>(`${base}/${id}/publish`, { note }),
  versions: (id: number) => api.get<Version[]>(`${base}/${id}/versions`),
  version: (id: number, n: number) => api.get<VersionDetail>(`${base}/${id}/versions/${n}`),
  restore: (id: number, n: number) => api.post<PipelineDetail>(`${base}/${id}/versions/${n}/restore`),
  diff: (id: number, baseVersion: number, target: number | "draft") =>
    api.get<GraphDiff>(`${base}/${id}/diff?base=${baseVersion}&target=${target}`),
  exportDocument: (id: number) => api.get<PipelineExport>(`${base}/${id}/export`),
  importDocument: (doc: unknown) => api.post<PipelineDetail>(`${base}/import`, doc),
  validate: (graph: GraphDocument, signal?: AbortSignal) =>
    api.post<{ problems: Problem[] }>(`${base}/validate`, { graph }).then((r) => {
      signal?.throwIfAborted();
      return r;
    }),
  nodeTypes: () => api.get<RawCatalog>(`${base}/node-types`),
  templates: () => api.get<PipelineTemplate[]>(`${base}/templates`),
};
