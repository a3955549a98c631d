/** Campaigns in the browser: a campaign made from a CSV with one bad row shows the row and its
 * reason before anything is imported; started on the embedded defaults (no LiveKit), each call
 * fails at once, which the live progress shows (failed attempts, contacts to retry); then it
 * is paused, and resumed. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiCall, BASE_URL, createPipeline, launch, signedInPage, snapshot, uniqueName } from "./browser.mjs";

const CSV = ["number,first_name,appointment", "+12125550100,Ada,Monday 10:00", "+33 6 12 34 56 78,Blaise,Tuesday 11:00", "555-0199,Carl,Friday 09:30", "+12125550101,Dora,Thursday 16:00"].join("\n");

function reminderGraph(graph) {
  const start = graph.nodes.find((n) => n.type === "start");
  start.data.config = { ...start.data.config, greeting: "Hello {{ first_name }}." };
  graph.nodes.push({ id: "say1", type: "say", position: { x: 0, y: 200 }, data: { label: "Reminder", config: { text: "Your appointment is on {{ appointment }}." } } });
  graph.edges.push({ id: "e1", source: "start", sourceHandle: "out", target: "say1", targetHandle: "in" });
  graph.settings = { ...graph.settings, input_variables: ["first_name", "appointment"] };
}

describe("campaigns", () => {
  let browser, owner, pipelineId;
  const name = uniqueName("Reminders");
  const e164 = `+1555${String(Date.now()).slice(-7)}`;

  before(async () => {
    browser = await launch();
    owner = await signedInPage(browser);
    // Calls need credits: the seeded usage may have spent the workspace's.
    const topUp = await apiCall(owner, "POST", "/credits/entries", { credits: "100000", kind: "top_up", reason: "campaigns test" });
    assert.equal(topUp.status, 201, JSON.stringify(topUp.body));
    const made = await createPipeline(owner, uniqueName("Reminder"), reminderGraph);
    pipelineId = made.id;
    const published = await apiCall(owner, "POST", `/pipelines/${pipelineId}/publish`, { note: "campaign" });
    assert.equal(published.status, 201, JSON.stringify(published.body));
    const trunk = await apiCall(owner, "POST", "/trunks", { name: uniqueName("Outbound"), address: "sip.example.com", direction: "outbound", max_concurrent_calls: 2 });
    assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
    const number = await apiCall(owner, "POST", "/numbers", { e164, trunk_id: trunk.body.id, label: "Campaigns" });
    assert.equal(number.status, 201, JSON.stringify(number.body));
  });
  after(async () => {
    await browser?.close();
  });

  it("creates a campaign from a CSV with one bad row, starts it, watches progress and pauses it", async () => {
    await owner.goto(`${BASE_URL}/campaigns`);
    await owner.getByRole("heading", { name: "Campaigns", level: 1 }).waitFor();
    await owner.getByRole("button", { name: "New campaign" }).click();
    const form = owner.getByRole("form", { name: "New campaign" });
    await form.getByLabel("Name").fill(name);
    const pipelineSelect = form.getByLabel("Pipeline");
    await pipelineSelect.selectOption(String(pipelineId));
    const numberValue = await form.getByLabel("Call from").locator("option", { hasText: e164 }).getAttribute("value");
    await form.getByLabel("Call from").selectOption(numberValue);
    // Every day, all day: the test must not depend on the hour it runs at.
    for (const day of ["Sat", "Sun"]) await form.getByLabel(day, { exact: true }).check();
    await form.getByLabel("Calls start at").fill("00:00");
    await form.getByLabel("Calls end by").fill("23:59");
    await form.getByLabel("Calls at once").fill("2");
    // A failed call waits an hour for its retry, and the breaker is off: the campaign keeps
    // running with its contacts to retry, until it is paused.
    await form.getByLabel("Failed: minutes before the next attempt").fill("60");
    await form.getByLabel("Pause when more than (% failed)").fill("100");
    await snapshot(owner, "campaigns-new");
    await form.getByRole("button", { name: "Create campaign" }).click();
    await owner.waitForURL(/\/campaigns\/\d+$/);
    await owner.getByRole("heading", { name }).waitFor();

    await owner.getByLabel("CSV file").setInputFiles({ name: "contacts.csv", mimeType: "text/csv", buffer: Buffer.from(CSV) });
    await owner.getByRole("button", { name: "Check contacts" }).click();
    const report = owner.getByRole("region", { name: "Validation report" });
    await report.waitFor();
    assert.match(await report.innerText(), /3 of 4 rows accepted, 1 rejected/);
    assert.match(await report.innerText(), /appointment, first_name/);
    const rejected = report.getByRole("table", { name: "Rejected rows" });
    const rows = await rejected.locator("tbody tr").allInnerTexts();
    assert.equal(rows.length, 1);
    assert.match(rows[0], /^3\s+555-0199\s+Not a phone number\s+'555-0199' has no country code/);
    await snapshot(owner, "campaigns-report");
    assert.equal(await owner.getByRole("button", { name: "Start" }).count(), 0, "nothing imported yet: nothing to start");

    await owner.getByRole("button", { name: "Import 3 contacts" }).click();
    await owner.getByRole("region", { name: "Last import" }).waitFor();
    const done = owner.getByRole("group", { name: "Done" });
    assert.match(await done.innerText(), /0 \/ 3/);
    assert.match(await owner.getByRole("group", { name: "Waiting" }).innerText(), /3/);

    await owner.getByRole("button", { name: "Start" }).click();
    await owner.locator(".page-header .badge", { hasText: "Running" }).waitFor();
    // No LiveKit here: each call placed fails at once, and the page shows it as it happens.
    const toRetry = owner.getByRole("group", { name: "To retry" });
    await owner.waitForFunction(() => /\b3\b/.test(document.querySelector('[aria-label="To retry"] .stat-value')?.textContent ?? ""), null, { timeout: 15000 });
    assert.match(await toRetry.innerText(), /3/);
    const attempts = owner.getByRole("table", { name: "Every attempt" });
    assert.match(await attempts.innerText(), /Failed\s+3/);
    assert.match(await owner.getByRole("group", { name: "Credits spent" }).innerText(), /3 calls placed/);
    await snapshot(owner, "campaigns-running");

    // The calls are in the call history too, to the campaign's contacts.
    const calls = (await apiCall(owner, "GET", "/calls?direction=outbound&limit=50")).body.items.filter((c) => c.from_number === e164);
    assert.deepEqual(calls.map((c) => c.to_number).sort(), ["+12125550100", "+12125550101", "+33612345678"]);

    await owner.getByRole("button", { name: "Pause" }).click();
    await owner.locator(".page-header .badge", { hasText: "Paused" }).waitFor();
    assert.match(await owner.getByRole("status").filter({ hasText: "Paused by" }).innerText(), /Paused by owner/);
    await owner.getByRole("button", { name: "Resume" }).waitFor();
    await snapshot(owner, "campaigns-paused");

    await owner.goto(`${BASE_URL}/campaigns`);
    const row = owner.getByRole("table", { name: "Campaigns" }).locator("tr", { hasText: name });
    assert.match(await row.innerText(), /Paused\s+0 \/ 3/);
    await snapshot(owner, "campaigns-list");
  });
});
