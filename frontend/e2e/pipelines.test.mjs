import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiCall, BASE_URL, launch, signedInPage, snapshot, uniqueName } from "./browser.mjs";

describe("pipelines list", () => {
  let browser, page;
  before(async () => {
    browser = await launch();
    page = await signedInPage(browser);
  });
  after(async () => browser?.close());

  it("creates, finds, renames, duplicates and deletes a pipeline", async () => {
    const name = uniqueName("E2E list");
    await page.goto(`${BASE_URL}/pipelines`);
    await page.getByRole("button", { name: "New pipeline" }).click();
    const dialog = page.getByRole("dialog", { name: "New pipeline" });
    await dialog.getByLabel("Name").fill(name);
    await snapshot(page, "create-dialog");
    await dialog.getByRole("button", { name: "Create pipeline" }).click();
    await page.waitForURL(/\/pipelines\/\d+$/);
    const id = Number(page.url().split("/").pop());
    await page.waitForSelector(".react-flow__node");

    await page.goto(`${BASE_URL}/pipelines`);
    await page.getByLabel("Search pipelines").fill(name);
    const row = page.getByRole("row", { name: new RegExp(name) });
    await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 1);
    await row.waitFor();
    assert.ok(await row.getByText("Not published").isVisible());

    await row.getByRole("button", { name: `Actions for ${name}` }).click();
    await page.getByRole("menuitem", { name: "Rename" }).click();
    const rename = page.getByRole("dialog", { name: "Rename pipeline" });
    await rename.getByLabel("Name").fill(`${name} renamed`);
    await rename.getByRole("button", { name: "Save" }).click();
    await page.getByRole("link", { name: `${name} renamed` }).waitFor();

    await page.getByRole("button", { name: `Actions for ${name} renamed`, exact: true }).click();
    await page.getByRole("menuitem", { name: "Duplicate" }).click();
    await page.locator("tbody tr").nth(1).waitFor();
    const listed = await apiCall(page, "GET", `/pipelines?search=${encodeURIComponent(name)}`);
    assert.equal(listed.body.length, 2);

    for (const p of listed.body) {
      await page.getByRole("button", { name: `Actions for ${p.name}`, exact: true }).click();
      await page.getByRole("menuitem", { name: "Delete" }).click();
      const confirm = page.getByRole("dialog", { name: `Delete “${p.name}”?` });
      await confirm.getByRole("button", { name: "Delete pipeline" }).click();
      await confirm.waitFor({ state: "detached" });
    }
    const gone = await apiCall(page, "GET", `/pipelines/${id}`);
    assert.equal(gone.status, 404);
  });

  it("starts from a template when the server offers one", async (t) => {
    const templates = await apiCall(page, "GET", "/pipelines/templates");
    if (!templates.body?.length) return t.skip("no templates on this server");
    await page.goto(`${BASE_URL}/pipelines`);
    await page.getByRole("button", { name: "New pipeline" }).click();
    const dialog = page.getByRole("dialog", { name: "New pipeline" });
    await dialog.getByRole("button", { name: new RegExp(templates.body[0].name) }).click();
    await dialog.getByLabel("Name").fill(uniqueName("E2E template"));
    await dialog.getByRole("button", { name: "Create pipeline" }).click();
    await page.waitForURL(/\/pipelines\/\d+$/);
    await page.waitForSelector(".react-flow__node");
    assert.ok((await page.locator(".react-flow__node").count()) > 1);
    await apiCall(page, "DELETE", `/pipelines/${page.url().split("/").pop()}`);
  });
});
