import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryRouter, Route, Routes } from "react-router";
import { memberWithRole } from "../test/members";
import { RequirePermission } from "./NoAccess";
import { MeContext } from "./session";

afterEach(cleanup);

function renderAt(role: "designer" | "finance", path: string) {
  return render(
    <MeContext value={memberWithRole(role)}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route element={<RequirePermission permission="usage.view" />}>
            <Route path="finance" element={<h1>Finance</h1>} />
          </Route>
        </Routes>
      </MemoryRouter>
    </MeContext>,
  );
}

describe("a page behind a permission", () => {
  it("opens for a role that has it", () => {
    renderAt("finance", "/finance");
    expect(screen.getByRole("heading", { name: "Finance" })).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("tells a role without it why, whom to ask, and the way to its start page", () => {
    renderAt("designer", "/finance");
    expect(screen.queryByRole("heading", { name: "Finance" })).toBeNull();
    expect(screen.getByRole("heading", { name: "Not open to your role" })).toBeTruthy();
    const notice = screen.getByRole("alert").textContent ?? "";
    expect(notice).toContain("Your role (Designer) cannot open this page");
    expect(notice).toContain("Ask an owner or admin of Acme");
    expect(notice).not.toMatch(/usage\.view/);
    expect(screen.getByRole("link", { name: "Go to your start page" }).getAttribute("href")).toBe("/pipelines");
  });
});
