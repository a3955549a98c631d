/** Campaigns: set-up, the contacts' validation report and import, start / pause / resume / cancel. */
import { api } from "../api/client";
import type * as Api from "../api/schema.gen";

export type Campaign = Api.CampaignOut;
export type CampaignInput = Api.CampaignIn;
export type CampaignStatus = Api.CampaignStatus;
export type ImportReport = Api.ImportReportOut;
export type CampaignProgress = Api.ProgressOut;
export type DoNotCallEntry = Api.DoNotCallOut;
export type DoNotCallAdded = Api.DoNotCallAdded;
export type CampaignAction = "start" | "pause" | "resume" | "cancel";
export type AnsweringMachine = CampaignInput["answering_machine"];

/** What a campaign's calls do when a voicemail answers. */
export const ANSWERING_MACHINE_CHOICES: { value: NonNullable<AnsweringMachine>; label: string }[] = [
  { value: "", label: "Detect it when the pipeline has a Voicemail branch" },
  { value: "detect", label: "Detect it and take the Voicemail branch" },
  { value: "ignore", label: "Treat whoever answers as a person" },
];

export const campaignsApi = {
  list: () => api.get<Campaign[]>("/campaigns"),
  get: (id: number) => api.get<Campaign>(`/campaigns/${id}`),
  create: (input: CampaignInput) => api.post<Campaign>("/campaigns", input),
  checkContacts: (id: number, csv: string) => api.post<ImportReport>(`/campaigns/${id}/contacts/check`, { csv }),
  importContacts: (id: number, csv: string) => api.post<ImportReport>(`/campaigns/${id}/contacts`, { csv }),
  act: (id: number, action: CampaignAction) => api.post<Campaign>(`/campaigns/${id}/${action}`),
  doNotCall: (search: string, signal?: AbortSignal) => api.get<DoNotCallEntry[]>(`/do-not-call${search ? `?search=${encodeURIComponent(search)}` : ""}`, signal),
  addDoNotCall: (input: Api.DoNotCallIn) => api.post<DoNotCallAdded>("/do-not-call", input),
  removeDoNotCall: (e164: string) => api.delete<void>(`/do-not-call/${encodeURIComponent(e164)}`),
};

/** The numbers of a pasted list: one a line, or separated by commas, semicolons or tabs (a
 * spreadsheet's column); spaces stay, they are part of how people write numbers. */
export function pastedNumbers(text: string): string[] {
  return text
    .split(/[\n\r,;\t]+/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}
