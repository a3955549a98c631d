import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryRouter } from "react-router";
import type { Me } from "../api/types";
import { MeContext } from "../app/session";
import { memberWithRole } from "../test/members";
import { CampaignsPage } from "./CampaignsPage";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** The API answers each GET with `answers[path]` (an empty list for any other path). */
function serve(answers: Record<string, () => Promise<Response>>) {
  vi.stubGlobal(
    "fetch",
    vi.fn((url: string) => (answers[url] ?? (() => Promise.resolve(new Response("[]", { status: 200 }))))()),
  );
}

function renderAs(me: Me) {
  render(
    <MeContext value={me}>
      <MemoryRouter>
        <CampaignsPage />
      </MemoryRouter>
    </MeContext>,
  );
}

describe("the campaigns list", () => {
  it("says it is loading until the list arrives, not that there is none", async () => {
    let answer: (r: Response) => void = () => undefined;
    serve({ "/api/campaigns": () => new Promise((resolve) => (answer = resolve)) });
    renderAs(memberWithRole("owner"));
    expect(screen.getByRole("status")).toBeTruthy();
    expect(screen.queryByText("No campaign yet")).toBeNull();
    answer(new Response("[]", { status: 200 }));
    expect(await screen.findByText("No campaign yet")).toBeTruthy();
  });

  it("tells an owner with none what a campaign needs, and starts one from there", async () => {
    serve({});
    renderAs(memberWithRole("owner"));
    expect(await screen.findByText(/needs a published pipeline and a number on a trunk that places outbound calls/)).toBeTruthy();
    // The empty state carries the page's one "New campaign" button; the header leaves it out.
    fireEvent.click(screen.getByRole("button", { name: "New campaign" }));
    expect(await screen.findByRole("form", { name: "New campaign" })).toBeTruthy();
    expect(screen.queryByText("No campaign yet")).toBeNull();
  });

  it("tells a member who cannot start one who does", async () => {
    serve({});
    renderAs(memberWithRole("designer"));
    expect(await screen.findByText(/Owners and admins start them\./)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "New campaign" })).toBeNull();
  });

  it("says why the list did not load, with a way to try again", async () => {
    serve({ "/api/campaigns": () => Promise.resolve(new Response(JSON.stringify({ error: { code: "server_error", message: "The database is busy." } }), { status: 503 })) });
    renderAs(memberWithRole("owner"));
    expect((await screen.findByRole("alert")).textContent).toContain("The database is busy.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });
});

describe("the new-campaign form", () => {
  it("says what its disabled button waits for, until it can be pressed", async () => {
    serve({
      "/api/pipelines": () => Promise.resolve(new Response(JSON.stringify([{ id: 7, name: "Reminders", description: "", published_version: 1, updated_at: "2026-12-01T10:00:00Z" }]), { status: 200 })),
    });
    renderAs(memberWithRole("owner"));
    fireEvent.click(screen.getByRole("button", { name: "New campaign" }));
    const form = await screen.findByRole("form", { name: "New campaign" });
    const create = screen.getByRole("button", { name: "Create campaign" }) as HTMLButtonElement;
    expect(create.disabled).toBe(true);
    expect(form.textContent).toContain("Give the campaign a name.");
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "December reminders" } });
    expect(form.textContent).toContain("Choose the pipeline that answers.");
    fireEvent.change(await screen.findByLabelText("Pipeline"), { target: { value: "7" } });
    expect(create.disabled).toBe(false);
    expect(form.textContent).not.toMatch(/Give the campaign a name|Choose the pipeline/);
  });
});
