import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiCall, BASE_URL, launch, signedInPage, snapshot, uniqueName } from "./browser.mjs";

describe("the voicemail branch of an outbound pipeline", () => {
  let browser, page;
  before(async () => {
    browser = await launch();
    page = await signedInPage(browser);
  });
  after(async () => browser?.close());

  it("shows Start's Voicemail output on the canvas and in the inspector, with what takes it", async () => {
    const created = await apiCall(page, "POST", "/pipelines", { name: uniqueName("E2E voicemail"), template: "outbound_reminder" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await page.goto(`${BASE_URL}/pipelines/${created.body.id}`);
    const start = page.locator('.react-flow__node[data-id="start"]');
    await start.waitFor();
    assert.match(await start.innerText(), /Voicemail/);
    await start.click();
    const route = page.getByLabel("Voicemail", { exact: true });
    await route.waitFor();
    assert.equal(await route.locator("option:checked").innerText(), "Leave a message");
    assert.ok(await page.getByText("Outbound calls answered by a voicemail go here").isVisible());
    await route.scrollIntoViewIfNeeded();
    await snapshot(page, "voicemail-start-inspector");
    await apiCall(page, "DELETE", `/pipelines/${created.body.id}`);
  });
});
