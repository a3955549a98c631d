/** The administration API: trunks, numbers, voice models, members, invitations, tokens,
 * workspace settings and prices. Secrets are write-only: answers only say whether one is set. */
import { api } from "../api/client";
import type { Role, Workspace } from "../api/types";

export type SyncStatus = "pending" | "synced" | "error";

export interface Trunk {
  id: number;
  name: string;
  direction: "inbound" | "outbound" | "both";
  address: string;
  transport: "udp" | "tcp" | "tls";
  username: string;
  has_password: boolean;
  inbound_username: string;
  has_inbound_password: boolean;
  allowed_addresses: string[];
  codecs: string[];
  max_concurrent_calls: number;
  supports_refer: boolean;
  numbers: string[];
  sync_status: SyncStatus;
  sync_error: string;
  synced_at: string | null;
  calls_today: number;
  calls_active: number;
}

/** What a form sends; a password left undefined keeps the stored one, "" removes it. */
export type TrunkInput = Omit<Trunk, "id" | "has_password" | "has_inbound_password" | "numbers" | "sync_status" | "sync_error" | "synced_at" | "calls_today" | "calls_active"> & {
  password?: string;
  inbound_password?: string;
};

export interface PhoneNumber {
  id: number;
  e164: string;
  label: string;
  trunk_id: number | null;
  pipeline_id: number | null;
  pinned_version: number | null;
  enabled: boolean;
  language: string;
  max_call_duration_s: number;
  silence_timeout_s: number;
  transfer_target: string;
  asr_model_id: number | null;
  tts_model_id: number | null;
  llm_model_id: number | null;
  max_concurrent_calls: number | null;
  sync_status: SyncStatus;
  sync_error: string;
  calls_today: number;
  calls_active: number;
}

export type NumberInput = Omit<PhoneNumber, "id" | "sync_status" | "sync_error" | "calls_today" | "calls_active">;

export type VoiceModelKind = "asr" | "tts" | "llm";

export interface VoiceModel {
  id: number;
  name: string;
  kind: VoiceModelKind;
  provider: string;
  model: string;
  voice: string;
  language: string;
  base_url: string;
  enabled: boolean;
  is_default: boolean;
  has_api_key: boolean;
  usage: { today: string; month: string; total: string; unit: string };
  updated_at: string;
}

export interface VoiceModelInput {
  name: string;
  kind: VoiceModelKind;
  provider: string;
  model: string;
  voice: string;
  language: string;
  base_url: string;
  api_key?: string;
  enabled: boolean;
}

export interface CatalogItem {
  id: string;
  name: string;
}

export interface ConnectionResult {
  ok: boolean;
  message: string;
  ms: number;
  models: CatalogItem[];
  voices: CatalogItem[];
}

export interface Member {
  id: number;
  username: string;
  email: string;
  role: Role;
  created_at: string;
}

export interface Invite {
  id: number;
  role: Role;
  email: string;
  created_at: string;
  expires_at: string;
}

export interface InviteCreated extends Invite {
  link: string;
  emailed: boolean;
}

export interface ApiToken {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

export interface ApiTokenCreated extends ApiToken {
  token: string;
}

export interface WorkspaceSettings extends Workspace {
  time_zone: string;
  stop_calls_at_zero_balance: boolean;
  end_calls_at_zero_balance: boolean;
  low_balance_threshold: string;
  max_concurrent_calls: number;
}

export interface Price {
  id: number | null;
  kind: string;
  unit: string;
  model_name: string;
  credits: string;
  effective_from: string | null;
  note: string;
}

export interface PriceInput {
  kind: string;
  model_name: string;
  credits: string;
  effective_from: string;
  note: string;
}

export interface OutboundCall {
  id: number;
  status: string;
  to_number: string;
}

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
