/** The do-not-call list in the browser: an owner pastes numbers (one is not a number and is
 * named back, left to correct), finds one by search, sees a campaign's contact on the list
 * refused at import, removes it; a designer reads the list without the means to edit it. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiCall, BASE_URL, createPipeline, launch, signedInPage, snapshot, uniqueName } from "./browser.mjs";

// Numbers no other browser file uses: the list is the whole workspace's.
const LISTED = ["+1 212 555 0142", "+12125550143"];

describe("do not call", () => {
  let browser, owner, campaignId;

  before(async () => {
    browser = await launch();
    owner = await signedInPage(browser);
    const pipeline = await createPipeline(owner, uniqueName("Do not call"));
    const published = await apiCall(owner, "POST", `/pipelines/${pipeline.id}/publish`, { note: "dnc" });
    assert.equal(published.status, 201, JSON.stringify(published.body));
    const trunk = await apiCall(owner, "POST", "/trunks", { name: uniqueName("DNC trunk"), address: "sip.example.com", direction: "outbound", max_concurrent_calls: 1 });
    assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
    const number = await apiCall(owner, "POST", "/numbers", { e164: `+1556${String(Date.now()).slice(-7)}`, trunk_id: trunk.body.id, label: "DNC" });
    assert.equal(number.status, 201, JSON.stringify(number.body));
    const campaign = await apiCall(owner, "POST", "/campaigns", { name: uniqueName("DNC campaign"), pipeline_id: pipeline.id, caller_number_ids: [number.body.id] });
    assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
    campaignId = campaign.body.id;
  });
  after(async () => {
    // Leave the list as it was for the other files, whatever failed above.
    for (const e164 of ["+12125550142", "+12125550143"]) await apiCall(owner, "DELETE", `/do-not-call/${encodeURIComponent(e164)}`);
    await browser?.close();
  });

  it("adds pasted numbers, names the one that is not a number, skips a campaign's contact on it, and removes it", async () => {
    await owner.goto(`${BASE_URL}/campaigns`);
    await owner.getByRole("navigation", { name: "Campaigns area" }).getByRole("link", { name: "Do not call" }).click();
    await owner.getByRole("heading", { name: "Do not call", level: 1 }).waitFor();

    const form = owner.getByRole("form", { name: "Add numbers" });
    await form.getByLabel("Numbers").fill([...LISTED, "call me maybe"].join("\n"));
    await form.getByLabel("Note").fill("asked not to be called");
    await form.getByRole("button", { name: "Add 3 numbers" }).click();
    await form.getByRole("status").filter({ hasText: "2 numbers added." }).waitFor();
    const refused = form.getByRole("alert");
    assert.match(await refused.innerText(), /^1 line was not added[\s\S]*'call me maybe' has no country code/);
    // Nothing lost: what was refused is still in the box, to be corrected.
    assert.equal(await form.getByLabel("Numbers").inputValue(), "call me maybe");

    const table = owner.getByRole("region", { name: "The list" }).getByRole("table");
    const row = table.getByRole("row", { name: /\+12125550142/ });
    await row.waitFor();
    assert.match(await row.innerText(), /\+12125550142\s+asked not to be called/);
    await owner.getByRole("searchbox", { name: "Search the list" }).fill("555 0143");
    await owner.waitForFunction(() => {
      const region = document.querySelector("[aria-label='The list']");
      const rows = [...(region?.querySelectorAll("tbody tr") ?? [])];
      return region?.querySelector("[aria-busy='false']") && rows.length === 1 && /\+12125550143/.test(rows[0].innerText);
    });
    await owner.getByTestId("dnc-count").filter({ hasText: /^1 number$/ }).waitFor();
    await snapshot(owner, "do-not-call-list");

    // A campaign's contact on the list is refused when the contacts are checked.
    await owner.goto(`${BASE_URL}/campaigns/${campaignId}`);
    const csv = ["number", "+12125550142", "+12125550144"].join("\n");
    await owner.getByLabel("CSV file").setInputFiles({ name: "contacts.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await owner.getByRole("button", { name: "Check contacts" }).click();
    const report = owner.getByRole("region", { name: "Validation report" });
    await report.waitFor();
    const rejected = await report.getByRole("table", { name: "Rejected rows" }).locator("tbody tr").allInnerTexts();
    assert.equal(rejected.length, 1);
    assert.match(rejected[0], /\+12125550142/);
    assert.match(rejected[0], /do-not-call/i);
    await snapshot(owner, "do-not-call-campaign-report");

    await owner.goto(`${BASE_URL}/campaigns/do-not-call`);
    await owner.getByRole("button", { name: "Remove +12125550142" }).click();
    await owner.getByRole("dialog").getByRole("button", { name: "Remove from the list" }).click();
    await owner.getByRole("row", { name: /\+12125550142/ }).waitFor({ state: "detached" });
    await owner.getByRole("row", { name: /\+12125550143/ }).waitFor();
    const listed = await apiCall(owner, "GET", "/do-not-call?search=2125550142");
    assert.deepEqual(listed.body, []);
  });

  it("shows a designer the list without the means to edit it", async () => {
    const designer = await signedInPage(browser, { username: process.env.BETOOL_DESIGNER_USERNAME, password: process.env.BETOOL_DESIGNER_PASSWORD });
    await designer.goto(`${BASE_URL}/campaigns/do-not-call`);
    await designer.getByRole("row", { name: /\+12125550143/ }).waitFor();
    await designer.getByText("Owners and admins add and remove numbers.").waitFor();
    assert.equal(await designer.getByRole("form", { name: "Add numbers" }).count(), 0);
    assert.equal(await designer.getByRole("button", { name: /^Remove / }).count(), 0);
  });
});
