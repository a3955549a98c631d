/** The signed-in member (GET /api/me) and what they may do. */
import { createContext, useContext } from "react";
import type { Me } from "../api/types";

export const MeContext = createContext<Me | null>(null);

export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error("useMe() outside of <MeContext>");
  return me;
}

export function useCan(permission: string): boolean {
  return useMe().permissions.includes(permission);
}

export const PERMISSIONS = {
  pipelinesView: "pipelines.view",
  pipelinesEdit: "pipelines.edit",
  pipelinesTest: "pipelines.test",
  pipelinesPublish: "pipelines.publish",
  callsView: "calls.view",
  callsPlace: "calls.place",
  usageView: "usage.view",
  telephonyManage: "telephony.manage",
  membersManage: "members.manage",
  voiceModelsManage: "voice_models.manage",
  recordingsListen: "recordings.listen",
  recordingsDownload: "recordings.download",
} as const;
