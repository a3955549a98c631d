import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiCall, BASE_URL, launch, signedInPage, snapshot } from "./browser.mjs";

// The browser tier seeds these calls (tests/browser/seed_calls.py) before this file runs.
const SUPPORT_NUMBER = "+15550100";
const OUTBOUND_TARGET = "+15557777";

/** Waits until the history answers its filters (not busy) with exactly `count` rows, each
 * matching `text`, under the count "N calls": rows and count read in one look, as a person
 * reads them once the table stops being dimmed. */
async function historyShows(page, count, text) {
  await page.waitForFunction(
    ({ count, source }) => {
      const history = document.querySelector("section[aria-labelledby=call-history]");
      if (!history || history.getAttribute("aria-busy") !== "false") return false;
      const rows = [...history.querySelectorAll("[data-testid=call-table] tbody tr")];
      const shown = history.querySelector("[data-testid=call-count]")?.textContent ?? "";
      return rows.length === count && rows.every((row) => new RegExp(source).test(row.innerText)) && shown === `${count} ${count === 1 ? "call" : "calls"}`;
    },
    { count, source: text.source },
  );
}

/** The count of calls the history shows once it answers its filters. */
async function historyCount(page) {
  const handle = await page.waitForFunction(() => {
    const history = document.querySelector("section[aria-labelledby=call-history]");
    const shown = history?.querySelector("[data-testid=call-count]")?.textContent ?? "";
    return history?.getAttribute("aria-busy") === "false" && /^\d+ calls?$/.test(shown) ? Number.parseInt(shown, 10) : null;
  });
  return handle.jsonValue();
}

describe("calls", () => {
  let browser, page, seeded;
  before(async () => {
    browser = await launch();
    page = await signedInPage(browser);
    const found = await apiCall(page, "GET", `/calls?number=${encodeURIComponent(SUPPORT_NUMBER)}`);
    seeded = found.status === 200 && found.body.total >= 3;
  });
  after(async () => browser?.close());

  it("shows the call in progress with its transcript, and the history", async (t) => {
    if (!seeded) return t.skip("no seeded calls on this server (run through tests/browser)");
    await page.goto(`${BASE_URL}/calls`);
    await page.getByRole("heading", { name: "Calls", level: 1 }).waitFor();
    await page.getByTestId("feed-status").filter({ hasText: "Connected" }).waitFor();
    const live = page.getByTestId("live-calls");
    await live.getByText("We are open nine to five, Monday to Friday.").waitFor();
    await live.getByText("What are your opening hours?").waitFor();
    await live.getByText("+15551234 → +15550100").waitFor();
    assert.match(await live.locator(".badge-dot").first().innerText(), /Active/);

    const table = page.getByTestId("call-table");
    await table.waitFor();
    const rows = table.locator("tbody tr");
    assert.ok((await rows.count()) >= 4);
    await table.getByRole("cell", { name: "Transferred", exact: true }).waitFor();
    await table.getByRole("cell", { name: "No answer" }).waitFor();
    await snapshot(page, "calls-page");
  });

  it("filters the history by number, direction, status and tests", async (t) => {
    if (!seeded) return t.skip("no seeded calls on this server");
    await page.goto(`${BASE_URL}/calls`);
    await page.getByTestId("call-table").waitFor();

    await page.getByLabel("Number").fill("7777");
    await historyShows(page, 1, new RegExp(`\\${OUTBOUND_TARGET}[\\s\\S]*Outbound[\\s\\S]*No answer`));
    await snapshot(page, "calls-filtered-number");

    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Direction").selectOption("outbound");
    await historyShows(page, 1, /Outbound/);

    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Test calls").selectOption("only");
    // Other browser files leave chat tests in this workspace too (they are listed under
    // Calls): every row is a test, and the seeded voice test is one of them.
    await page.waitForFunction(() => {
      const history = document.querySelector("section[aria-labelledby=call-history]");
      const rows = [...document.querySelectorAll("[data-testid=call-table] tbody tr")];
      return (
        history?.getAttribute("aria-busy") === "false" &&
        rows.length > 0 &&
        rows.every((row) => /Browser test|Chat test|Voice test/.test(row.innerText)) &&
        rows.some((row) => /Browser test[\s\S]*Support line \(draft\)/.test(row.innerText))
      );
    });

    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Status").selectOption("active");
    await historyShows(page, 1, /\+15551234[\s\S]*Active/);

    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Pipeline").selectOption({ label: "Support line" });
    await historyShows(page, 4, /Support line/);

    // Other browser files may have left calls of their own: every call of today is in the range.
    await page.getByRole("button", { name: "Clear" }).click();
    const everyCall = await historyCount(page);
    await page.getByLabel("From date").fill("2030-01-02");
    await page.getByLabel("To date").fill("2030-01-01");
    await page.getByRole("alert").filter({ hasText: "The “from” date is after the “to” date." }).waitFor();
    await page.getByLabel("From date").fill("2000-01-01");
    await historyShows(page, everyCall, /\S/);
    await page.getByLabel("To date").fill("2000-01-02");
    await page.getByRole("heading", { name: "No calls match" }).waitFor();
    await snapshot(page, "calls-filtered-empty");
  });

  it("opens a call: timeline, transcript with latencies and trace, tools, cost", async (t) => {
    if (!seeded) return t.skip("no seeded calls on this server");
    await page.goto(`${BASE_URL}/calls`);
    const table = page.getByTestId("call-table");
    await table.getByRole("cell", { name: "Transferred", exact: true }).click();
    await page.waitForURL(/\/calls\/\d+$/);
    await page.getByRole("heading", { name: "+15559999 → +15550100" }).waitFor();

    const timeline = page.getByTestId("call-timeline");
    for (const step of ["Ringing", "Connected", "Active", "Transferred", "Ended"]) {
      assert.doesNotMatch(await timeline.locator("li", { hasText: step }).innerText(), /—/, `${step} has a time`);
    }
    assert.match(await timeline.locator("li", { hasText: "On hold" }).innerText(), /—/);

    const turns = page.getByTestId("call-turn");
    assert.equal(await turns.count(), 2);
    await turns.nth(1).getByText("I need to speak to a person").waitFor();
    await turns.nth(1).getByText("End to end 640 ms").waitFor();
    await turns.nth(1).getByText(/Trace · 2 nodes/).click();
    await turns.nth(1).getByRole("cell", { name: "classify" }).waitFor();

    await page.getByTestId("call-tools").getByText("transfer_call").waitFor();
    const cost = page.getByTestId("call-cost");
    await cost.getByRole("cell", { name: "Call time" }).waitFor();
    assert.match(await cost.locator("tr").last().innerText(), /Total\s+320\.51/);
    await page.getByText("sip:desk@example.com", { exact: true }).waitFor();
    await snapshot(page, "calls-detail");

    await page.getByRole("link", { name: "← All calls" }).click();
    await page.getByTestId("call-table").waitFor();
  });

  it("shows the post-call analysis, filters by outcome and exports the CSV", async (t) => {
    if (!seeded) return t.skip("no seeded calls on this server");
    await page.goto(`${BASE_URL}/calls`);
    const table = page.getByTestId("call-table");
    await table.waitFor();
    await page.getByRole("searchbox", { name: "Outcome" }).fill("transferred");
    await historyShows(page, 1, /transferred/);
    const csvHref = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    assert.match(csvHref, /outcome=transferred/);
    const csv = await page.evaluate(async (href) => (await fetch(href)).text(), csvHref);
    const [header, row] = csv.trim().split(/\r?\n/);
    assert.match(header, /outcome,summary,field:callback_wanted,field:order_number,field:reason/);
    assert.match(row, /transferred,The caller asked for a person.*,false,,wants a person/);
    await snapshot(page, "calls-outcome-filter");

    await table.getByRole("cell", { name: "Transferred", exact: true }).click();
    const card = page.getByTestId("call-analysis");
    await card.getByText("The caller asked for a person and was transferred to the front desk.").waitFor();
    await card.getByText("transferred", { exact: true }).waitFor();
    const fields = card.getByRole("table", { name: "Extracted fields" });
    assert.match(await fields.getByRole("row", { name: /reason/ }).innerText(), /wants a person/);
    assert.match(await fields.getByRole("row", { name: /callback_wanted/ }).innerText(), /no/);
    assert.match(await card.innerText(), /Local Llama · 470 tokens/);
    await snapshot(page, "calls-detail-analysis");

    await page.goto(`${BASE_URL}/calls`);
    await page.getByTestId("call-table").getByRole("cell", { name: "No answer", exact: true }).click();
    await page.getByTestId("call-analysis").getByText("analysis failed: the model's answer is not a JSON object").waitFor();
  });

  it("explains a call that is not there", async () => {
    await page.goto(`${BASE_URL}/calls/999999`);
    await page.getByRole("alert").filter({ hasText: "This call does not exist in this workspace." }).waitFor();
  });
});
