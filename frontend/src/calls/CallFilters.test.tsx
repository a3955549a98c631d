import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../api/types";
import { MeContext } from "../app/session";
import { memberWithRole } from "../test/members";
import { CallFilters, NO_FILTERS } from "./CallFilters";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderAs(me: Me) {
  const fetch = vi.fn(() => Promise.resolve(new Response(JSON.stringify([{ id: 3, name: "Front desk" }]), { status: 200 })));
  vi.stubGlobal("fetch", fetch);
  render(
    <MeContext value={me}>
      <CallFilters value={NO_FILTERS} onChange={() => undefined} />
    </MeContext>,
  );
  return fetch;
}

describe("the call history's filters", () => {
  it("offer the workspace's pipelines to a member who may read them", async () => {
    renderAs(memberWithRole("designer"));
    expect(await screen.findByRole("option", { name: "Front desk" })).toBeTruthy();
  });

  it("leave the pipeline filter out for finance, who may not read pipelines", () => {
    const fetch = renderAs(memberWithRole("finance"));
    expect(screen.queryByRole("combobox", { name: "Pipeline" })).toBeNull();
    expect(screen.getByRole("combobox", { name: "Status" })).toBeTruthy();
    expect(fetch).not.toHaveBeenCalled();
  });
});
