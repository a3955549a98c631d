import { api } from "./client";
import type { Health, Me } from "./types";

export const coreApi = {
  me: () => api.get<Me>("/me"),
  health: () => api.get<Health>("/health"),
  switchWorkspace: (slug: string) => api.post<{ slug: string }>("/me/workspace", { slug }),
};
