import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BASE_URL, launch, PASSWORD, signedInPage, snapshot } from "./browser.mjs";

describe("app shell", () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => browser?.close());

  it("lands on the pipelines list with the workspace, role and navigation", async () => {
    const page = await signedInPage(browser);
    await page.goto(`${BASE_URL}/`);
    await page.waitForURL(/\/pipelines$/);
    await page.getByRole("heading", { name: "Pipelines" }).waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const label of ["Pipelines", "Calls", "Finance", "Administration"]) assert.ok(await nav.getByRole("link", { name: label }).isVisible(), label);
    assert.equal(await nav.getByRole("link", { name: "Administration" }).getAttribute("href"), "/administration");
    assert.equal(await page.locator('a[href^="/admin/"]').count(), 0, "Django's admin is not linked");
    await snapshot(page, "home");
    await page.context().close();
  });

  it("shows a designer only what their role may open", async (t) => {
    const username = process.env.BETOOL_DESIGNER_USERNAME ?? "designer";
    const page = await signedInPage(browser, { username, password: process.env.BETOOL_DESIGNER_PASSWORD ?? PASSWORD }).catch(() => null);
    if (!page) return t.skip("no designer account");
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Pipelines" }).waitFor();
    assert.equal(await nav.getByRole("link", { name: "Finance" }).count(), 0);
    // Administration holds their API tokens and the workspace; no Django admin link.
    assert.equal(await nav.getByRole("link", { name: "Administration" }).count(), 1);
    assert.equal(await page.locator('a[href^="/admin/"]').count(), 0);
    await page.context().close();
  });

  it("signs out from the user menu", async () => {
    const page = await signedInPage(browser);
    await page.getByRole("button", { name: /Account menu/ }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL((url) => !url.pathname.startsWith("/pipelines"));
    await page.goto(`${BASE_URL}/pipelines`);
    assert.match(page.url(), /\/login\//);
    await page.context().close();
  });
});
