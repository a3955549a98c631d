/** The pages of Administration and who sees them (the README's roles table). */
import type { Me } from "../api/types";

export interface AdminSection {
  path: string;
  label: string;
  /** a member sees the page when they have this permission; null: every member */
  permission: string | null;
}

export const ADMIN_SECTIONS: AdminSection[] = [
  { path: "trunks", label: "Trunks", permission: "telephony.manage" },
  { path: "numbers", label: "Numbers", permission: "telephony.manage" },
  { path: "voice-models", label: "Voice models", permission: "voice_models.view" },
  { path: "members", label: "Members", permission: "members.manage" },
  { path: "webhooks", label: "Webhooks", permission: "webhooks.manage" },
  { path: "tokens", label: "API tokens", permission: null },
  { path: "workspace", label: "Workspace", permission: null },
  { path: "prices", label: "Prices", permission: "usage.view" },
];

export function adminSectionsFor(me: Me): AdminSection[] {
  return ADMIN_SECTIONS.filter((s) => s.permission === null || me.permissions.includes(s.permission));
}
