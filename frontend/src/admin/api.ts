/** The administration API: trunks, numbers, voice models, members, invitations, tokens,
 * workspace settings and prices. Secrets are write-only: answers only say whether one is set. */
import { api } from "../api/client";
import type * as Api from "../api/schema.gen";
import type { Role, Workspace } from "../api/types";

export type SyncStatus = Api.SyncStatus;

export type Trunk = Api.TrunkOut;

/** What a form sends; a password left undefined keeps the stored one, "" removes it. */
export type TrunkInput = Omit<Trunk, "id" | "has_password" | "has_inbound_password" | "numbers" | "livekit_inbound_trunk_id" | "livekit_outbound_trunk_id" | "sync_status" | "sync_error" | "synced_at" | "calls_today" | "calls_active"> & {
  password?: string;
  inbound_password?: string;
};

export type PhoneNumber = Api.NumberOut;

/** What lets a caller interrupt the agent on a number, and how readily a voice does. */
export type BargeInMode = PhoneNumber["barge_in_mode"];
export type BargeInSensitivity = PhoneNumber["barge_in_sensitivity"];

export type NumberInput = Omit<PhoneNumber, "id" | "livekit_dispatch_rule_id" | "sync_status" | "sync_error" | "synced_at" | "calls_today" | "calls_active">;

export type VoiceModelKind = Api.VoiceModelKind;

export type VoiceModel = Api.VoiceModelOut;

/** What a voice model's form sends: its fields, and the key only when one is typed (write-only). */
export type VoiceModelInput = Pick<VoiceModel, "name" | "kind" | "model" | "voice" | "language" | "base_url" | "enabled"> & {
  /** "" until the form's provider is chosen. */
  provider: Api.VoiceProvider | "";
  api_key?: string;
};

export type CatalogItem = Api.CatalogItemOut;
export type ConnectionResult = Api.ConnectionOut;
export type Member = Api.MemberOut;
export type Invite = Api.InviteOut;
export type InviteCreated = Api.InviteCreatedOut;
export type ApiToken = Api.TokenOut;
export type ApiTokenCreated = Api.TokenCreatedOut;
export type WorkspaceSettings = Api.WorkspaceSettingsOut;
export type Price = Api.PriceOut;
/** The form's values: credits as typed (a decimal string). */
export type PriceInput = Required<Omit<Api.PriceIn, "credits">> & { credits: string };
export type OutboundCall = Api.OutboundCallOut;

export const adminApi = {
  trunks: () => api.get<Trunk[]>("/trunks"),
  createTrunk: (input: TrunkInput) => api.post<Trunk>("/trunks", input),
  updateTrunk: (id: number, input: Partial<TrunkInput>) => api.patch<Trunk>(`/trunks/${id}`, input),
  deleteTrunk: (id: number) => api.delete<void>(`/trunks/${id}`),
  syncTrunk: (id: number) => api.post<Trunk>(`/trunks/${id}/sync`),

  numbers: () => api.get<PhoneNumber[]>("/numbers"),
  createNumber: (input: NumberInput) => api.post<PhoneNumber>("/numbers", input),
  updateNumber: (id: number, input: Partial<NumberInput>) => api.patch<PhoneNumber>(`/numbers/${id}`, input),
  deleteNumber: (id: number) => api.delete<void>(`/numbers/${id}`),
  placeCall: (numberId: number, to: string) => api.post<OutboundCall>("/calls/outbound", { number_id: numberId, to }),

  voiceModels: () => api.get<VoiceModel[]>("/voice-models"),
  createVoiceModel: (input: VoiceModelInput) => api.post<VoiceModel>("/voice-models", input),
  updateVoiceModel: (id: number, input: Partial<VoiceModelInput>) => api.patch<VoiceModel>(`/voice-models/${id}`, input),
  deleteVoiceModel: (id: number) => api.delete<void>(`/voice-models/${id}`),
  testVoiceModel: (id: number) => api.post<ConnectionResult>(`/voice-models/${id}/test`),
  makeDefault: (id: number) => api.post<VoiceModel>(`/voice-models/${id}/default`),
  catalog: (input: { kind: VoiceModelKind; provider: string; base_url: string; api_key: string; voice_model_id?: number }) =>
    api.post<ConnectionResult>("/voice-models/catalog", input),

  members: () => api.get<Member[]>("/members"),
  setRole: (id: number, role: Role) => api.patch<Member>(`/members/${id}`, { role }),
  removeMember: (id: number) => api.delete<void>(`/members/${id}`),
  invites: () => api.get<Invite[]>("/invites"),
  invite: (role: Role, email: string) => api.post<InviteCreated>("/invites", { role, email }),
  revokeInvite: (id: number) => api.delete<void>(`/invites/${id}`),

  tokens: () => api.get<ApiToken[]>("/tokens"),
  createToken: (name: string) => api.post<ApiTokenCreated>("/tokens", { name }),
  revokeToken: (id: number) => api.delete<void>(`/tokens/${id}`),

  workspace: () => api.get<WorkspaceSettings>("/workspace"),
  updateWorkspace: (input: Partial<Omit<WorkspaceSettings, "id" | "slug" | "max_concurrent_calls">>) => api.patch<WorkspaceSettings>("/workspace", input),
  createWorkspace: (name: string) => api.post<Workspace>("/workspaces", { name }),

  prices: () => api.get<Price[]>("/prices"),
  setPrice: (input: PriceInput) => api.post<Price>("/prices", input),
  deletePrice: (id: number) => api.delete<void>(`/prices/${id}`),
};
