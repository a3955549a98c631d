/** Signed-in members as GET /api/me answers, by role, for component tests. */
import type { Me } from "../api/types";

const WORKSPACE = { id: 1, name: "Acme", slug: "acme" };

const PERMISSIONS_OF: Record<Me["role"], string[]> = {
  owner: ["pipelines.view", "pipelines.edit", "calls.view", "calls.place", "usage.view", "usage.manage", "telephony.manage", "members.manage", "voice_models.view", "voice_models.manage"],
  admin: ["pipelines.view", "pipelines.edit", "calls.view", "calls.place", "usage.view", "telephony.manage", "members.manage", "voice_models.view", "voice_models.manage"],
  designer: ["pipelines.view", "pipelines.edit", "pipelines.test", "calls.view", "voice_models.view"],
  finance: ["calls.view", "usage.view"],
};

export function memberWithRole(role: Me["role"]): Me {
  return { username: role, email: `${role}@example.com`, workspace: WORKSPACE, role, permissions: PERMISSIONS_OF[role], workspaces: [WORKSPACE] };
}
