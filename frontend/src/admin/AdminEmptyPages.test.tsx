import { cleanup, render, screen } from "@testing-library/react";
import type { ComponentType } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryRouter } from "react-router";
import type { TrunkOut } from "../api/schema.gen";
import { MeContext } from "../app/session";
import { memberWithRole } from "../test/members";
import { MembersPage } from "./MembersPage";
import { NumbersPage } from "./NumbersPage";
import { TrunksPage } from "./TrunksPage";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** Every list the page asks for comes back empty, or with one row for `filled`. */
function serve(filled: Record<string, unknown> = {}) {
  vi.stubGlobal(
    "fetch",
    vi.fn((url: string) => Promise.resolve(new Response(JSON.stringify(url in filled ? [filled[url]] : []), { status: 200 }))),
  );
}

function renderPage(Page: ComponentType) {
  render(
    <MeContext value={memberWithRole("owner")}>
      <MemoryRouter>
        <Page />
      </MemoryRouter>
    </MeContext>,
  );
}

const PAGES: [string, ComponentType, string, string][] = [
  ["trunks", TrunksPage, "New trunk", "No trunk yet"],
  ["numbers", NumbersPage, "New number", "No number yet"],
  ["members", MembersPage, "Invite a member", "No members"],
];

describe("an administration page's main action", () => {
  it.each(PAGES)("is one button on an empty %s page, in its empty state", async (_name, Page, action, emptyTitle) => {
    serve();
    renderPage(Page);
    await screen.findByText(emptyTitle);
    expect(screen.getAllByRole("button", { name: action })).toHaveLength(1);
  });

  it("stays in the header once the list has rows", async () => {
    const trunk: TrunkOut = {
      id: 1,
      name: "Carrier",
      direction: "both",
      address: "sip.example.com",
      transport: "udp",
      username: "",
      has_password: false,
      inbound_username: "",
      has_inbound_password: false,
      allowed_addresses: [],
      codecs: [],
      max_concurrent_calls: 10,
      supports_refer: true,
      numbers: [],
      livekit_inbound_trunk_id: "",
      livekit_outbound_trunk_id: "",
      sync_status: "synced",
      sync_error: "",
      synced_at: null,
      calls_today: 0,
      calls_active: 0,
    };
    serve({ "/api/trunks": trunk });
    renderPage(TrunksPage);
    await screen.findByText("Carrier");
    expect(screen.getAllByRole("button", { name: "New trunk" })).toHaveLength(1);
    expect(screen.queryByText("No trunk yet")).toBeNull();
  });
});
