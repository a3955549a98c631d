import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiCall, BASE_URL, launch, signedInPage, snapshot, uniqueName } from "./browser.mjs";

describe("finance", () => {
  let browser, page;
  before(async () => {
    browser = await launch();
    page = await signedInPage(browser);
  });
  after(async () => browser?.close());

  it("shows the balance and usage, groups it, and links the CSV of the same rows", async () => {
    await page.goto(`${BASE_URL}/finance`);
    await page.getByRole("heading", { name: "Finance" }).waitFor();
    await page.getByTestId("balance").filter({ hasText: /\d/ }).waitFor();
    await page.getByRole("button", { name: "Pipeline", exact: true }).click();
    assert.equal(await page.getByRole("button", { name: "Pipeline", exact: true }).getAttribute("aria-pressed"), "true");
    const csv = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    assert.match(csv, /^\/api\/credits\/usage\.csv\?.*group_by=pipeline/);
    const response = await apiCall(page, "GET", "/credits/balance");
    assert.equal(response.status, 200);
    await snapshot(page, "finance");
  });

  it("adds credits to the ledger with a reason", async () => {
    const before = Number((await apiCall(page, "GET", "/credits/balance")).body.balance);
    const reason = uniqueName("E2E top-up");
    await page.getByRole("button", { name: "Add credits" }).click();
    const dialog = page.getByRole("dialog", { name: "Add credits" });
    await dialog.getByLabel("Credits").fill("500");
    await dialog.getByLabel("Reason").fill(reason);
    await dialog.getByRole("button", { name: "Add to ledger" }).click();
    await page.getByRole("cell", { name: reason }).waitFor();
    const afterBalance = Number((await apiCall(page, "GET", "/credits/balance")).body.balance);
    assert.equal(afterBalance, before + 500);
  });
});
