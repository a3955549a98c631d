import { describe, expect, it } from "vitest";
import type { Campaign } from "./campaignsApi";
import { actionsFor, donePercent, isLive, outcomeRows, windowsFrom } from "./progress";

function campaign(status: Campaign["status"], progress: Partial<Campaign["progress"]> = {}): Campaign {
  return {
    status,
    progress: { total: 4, waiting: 0, dialing: 0, in_call: 0, to_retry: 0, done: 1, attempts: 1, final_outcomes: {}, attempt_outcomes: {}, credits_spent: "0", ...progress },
  } as Campaign;
}

describe("campaign progress", () => {
  it("lists outcomes largest first, with their labels, leaving out zeros", () => {
    expect(outcomeRows({ busy: 2, person: 5, failed: 0, no_answer: 2 })).toEqual([
      { outcome: "person", label: "Answered by a person", count: 5 },
      { outcome: "busy", label: "Busy", count: 2 },
      { outcome: "no_answer", label: "No answer", count: 2 },
    ]);
  });

  it("offers the actions the status allows", () => {
    expect(actionsFor("draft", false)).toEqual(["cancel"]);
    expect(actionsFor("draft", true)).toEqual(["start", "cancel"]);
    expect(actionsFor("running", true)).toEqual(["pause", "cancel"]);
    expect(actionsFor("paused", true)).toEqual(["resume", "cancel"]);
    expect(actionsFor("done", true)).toEqual([]);
  });

  it("is live while running or while a paused campaign's calls finish", () => {
    expect(isLive(campaign("running"))).toBe(true);
    expect(isLive(campaign("paused"))).toBe(false);
    expect(isLive(campaign("paused", { in_call: 1 }))).toBe(true);
    expect(isLive(campaign("draft"))).toBe(false);
    expect(donePercent(campaign("running"))).toBe(25);
  });

  it("builds windows from one daily span", () => {
    const windows = windowsFrom(["mon", "fri"], "09:00", "17:30");
    expect(windows.mon).toEqual([["09:00", "17:30"]]);
    expect(windows.tue).toEqual([]);
    expect(Object.keys(windows)).toHaveLength(7);
  });
});
