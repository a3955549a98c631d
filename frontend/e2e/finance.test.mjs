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

  it("shows, day by day, exactly what the ledger holds", async () => {
    // Summed by the browser tier straight from the ledger's rows, not through the API.
    const expected = JSON.parse(process.env.BETOOL_LEDGER_USAGE ?? "null");
    assert.ok(expected, "BETOOL_LEDGER_USAGE comes from the browser tier's set-up");
    const credits = (text) => Number(text.replace(/[^0-9.-]/g, ""));
    await page.goto(`${BASE_URL}/finance`);
    await page.getByRole("button", { name: "Day", exact: true }).click();
    const table = page.locator('table.usage-table[aria-busy="false"]');
    await table.locator("tbody tr").first().waitFor();
    const rows = await table
      .locator("tbody tr")
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("th, td")].map((cell) => cell.textContent.trim())));
    const shown = Object.fromEntries(rows.filter((cells) => /^\d{4}-\d{2}-\d{2}$/.test(cells[0])).map((cells) => [cells[0], credits(cells.at(-1))]));
    const ledger = Object.fromEntries(Object.entries(expected.days).map(([day, amount]) => [day, Number(amount)]));
    assert.ok(Object.keys(ledger).length >= 10, "two weeks of seeded usage");
    assert.deepEqual(shown, ledger);
    const usedInRange = page.locator(".stat-card", { hasText: "Used in range" }).locator(".stat-value");
    assert.equal(credits(await usedInRange.textContent()), Number(expected.total));
    await snapshot(page, "finance-ledger");
  });

  it("pages the usage by call, with the totals of every page", async () => {
    const credits = (text) => Number(text.replace(/[^0-9.-]/g, ""));
    await page.goto(`${BASE_URL}/finance`);
    await page.getByRole("button", { name: "Call", exact: true }).click();
    const table = page.locator("table.usage-table");
    const range = page.getByText(/^1–100 of \d+$/);
    await range.waitFor();
    const total = Number((await range.textContent()).split(" of ")[1]);
    assert.ok(total > 100, `a busy day's calls fill more than a page (${total})`);
    assert.equal(await table.locator("tbody tr").count(), 100);
    // Summed by the browser tier straight from the ledger's rows.
    const usedInRange = Number(JSON.parse(process.env.BETOOL_LEDGER_USAGE).total);
    const footer = async () => credits(await table.locator("tfoot td").last().textContent());
    assert.equal(await footer(), usedInRange, "the footer totals every page, the ledger's sum");
    await page.getByRole("button", { name: "Next", exact: true }).click();
    await page.getByText(`101–${total} of ${total}`).waitFor();
    // The range moves at the click; the rows when the page arrives.
    await table.locator("tbody tr").nth(total - 100).waitFor({ state: "detached" });
    assert.equal(await table.locator("tbody tr").count(), total - 100);
    assert.equal(await footer(), usedInRange);
    await snapshot(page, "finance-by-call-page-2");
    // Another grouping starts at its first page.
    await page.getByRole("button", { name: "Day", exact: true }).click();
    // Until the days arrive the calls stay on screen, marked busy.
    await page.locator('table.usage-table[aria-busy="false"]').waitFor();
    assert.match(await table.locator("tbody tr th, tbody tr td").first().textContent(), /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(await page.getByRole("button", { name: "Next", exact: true }).count(), 0, "thirty days fit one page");
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
