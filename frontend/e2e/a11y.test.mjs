import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";
import { BASE_URL, createPipeline, deletePipeline, launch, signedInPage } from "./browser.mjs";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** Serious and critical WCAG 2 A/AA violations on the page as it is now. */
async function violations(page) {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.help} (${v.nodes.length}) e.g. ${v.nodes[0]?.target?.join(" ")}`);
  });
  return found;
}

describe("accessibility (axe, WCAG 2 A/AA, serious and critical)", () => {
  let browser, page, pipeline;
  before(async () => {
    browser = await launch();
    page = await signedInPage(browser);
    pipeline = await createPipeline(page, "E2E a11y", (graph) => {
      graph.nodes.push({ id: "say", type: "say", position: { x: 400, y: 200 }, data: { config: { text: "Hello" } } });
      graph.nodes.push({ id: "lost", type: "hangup", position: { x: 400, y: 420 }, data: { config: {} } });
      graph.edges.push({ id: "e1", source: "start", sourceHandle: "out", target: "say", targetHandle: "in" });
    });
  });
  after(async () => {
    if (pipeline) await deletePipeline(page, pipeline.id);
    await browser?.close();
  });

  for (const [name, path, ready] of [
    ["pipelines list", "/pipelines", "table, .empty-state"],
    ["editor", () => `/pipelines/${pipeline.id}`, ".react-flow__node"],
    ["finance", "/finance", "[data-testid=balance]"],
    ["calls", "/calls", "[data-testid=call-table], .empty-state"],
    ...["trunks", "numbers", "voice-models", "members", "tokens", "workspace", "prices"].map((section) => [
      `administration: ${section}`,
      `/administration/${section}`,
      ".admin-section-header ~ table, .admin-section-header ~ .empty-state, .admin-card",
    ]),
  ]) {
    it(`has no serious violations on the ${name}`, async () => {
      await page.goto(`${BASE_URL}${typeof path === "function" ? path() : path}`);
      await page.waitForSelector(ready);
      await page.waitForTimeout(300);
      assert.deepEqual(await violations(page), []);
    });
  }

  for (const [section, button, preset, dialogName] of [
    ["trunks", "New trunk", "Twilio Elastic SIP", "New trunk"],
    ["numbers", "New number", null, "New number"],
    ["voice-models", "Add a voice model", /^OpenAI Language/, "Add a voice model"],
    ["members", "Invite a member", null, "Invite a member"],
  ]) {
    it(`has no serious violations in the ${dialogName.toLowerCase()} dialog`, async () => {
      await page.goto(`${BASE_URL}/administration/${section}`);
      await page.getByRole("button", { name: button }).first().click();
      const dialog = page.getByRole("dialog", { name: dialogName });
      await dialog.waitFor();
      if (preset) await dialog.getByRole("button", { name: preset }).click();
      await page.waitForTimeout(200);
      assert.deepEqual(await violations(page), []);
    });
  }

  it("has no serious violations in the editor's inspector and test panel", async () => {
    await page.goto(`${BASE_URL}/pipelines/${pipeline.id}`);
    await page.locator('.react-flow__node[data-id="say"]').click();
    await page.getByRole("complementary", { name: "Inspector" }).getByLabel("Text").waitFor();
    assert.deepEqual(await violations(page), []);
    await page.getByRole("button", { name: "Test", exact: true }).click();
    await page.getByTestId("test-status").filter({ hasText: "Connected" }).waitFor();
    await page.getByLabel("Message to the pipeline").fill("hello");
    await page.getByLabel("Message to the pipeline").press("Enter");
    await page.locator('.react-flow__node[data-id="say"] [data-run="visited"]').waitFor();
    assert.deepEqual(await violations(page), []);
  });
});
