import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiCall, createPipeline, deletePipeline, launch, openEditor, signedInPage, snapshot, uniqueName } from "./browser.mjs";

describe("flow tests: replay and the publish gate", () => {
  let browser, page, pipeline;
  before(async () => {
    browser = await launch();
    page = await signedInPage(browser);
    pipeline = await createPipeline(page, uniqueName("E2E flow replay"), (graph) => {
      graph.nodes.push(
        { id: "route", type: "classifier", position: { x: 380, y: 200 }, data: { label: "Route", config: { mode: "keywords", intents: [{ name: "billing", keywords: ["refund"] }] } } },
        { id: "billing", type: "say", position: { x: 720, y: 120 }, data: { label: "Billing answer", config: { text: "Our billing team will sort out your refund." } } },
        { id: "other", type: "say", position: { x: 720, y: 320 }, data: { label: "Clarify", config: { text: "Is it about a refund?" } } },
      );
      graph.edges.push(
        { id: "e1", source: "start", sourceHandle: "out", target: "route", targetHandle: "in" },
        { id: "e2", source: "route", sourceHandle: "intent:billing", target: "billing", targetHandle: "in" },
        { id: "e3", source: "route", sourceHandle: "fallback", target: "other", targetHandle: "in" },
      );
    });
    const suite = {
      scenarios: [
        {
          id: "refund",
          name: "A refund reaches billing",
          steps: [
            { kind: "say", text: "hmm, hello", expect: [{ kind: "branch", node: "route", output: "fallback" }] },
            { kind: "say", text: "I want a refund", expect: [{ kind: "said", match: "contains", text: "billing team" }] },
          ],
        },
      ],
      require_passing_to_publish: false,
    };
    const saved = await apiCall(page, "PUT", `/pipelines/${pipeline.id}/tests`, { suite, revision: 1 });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    await openEditor(page, pipeline.id);
  });
  after(async () => {
    if (pipeline) await deletePipeline(page, pipeline.id);
    await browser?.close();
  });

  it("replays a scenario in the test panel with its nodes lit", async () => {
    await page.getByRole("button", { name: "Tests", exact: true }).click();
    const panel = page.getByRole("complementary", { name: "Tests" });
    await panel.getByRole("button", { name: "Run all" }).click();
    await panel.getByTestId("suite-summary").filter({ hasText: "1 of 1 passed" }).waitFor({ timeout: 20000 });
    await panel.getByTestId("scenario").filter({ hasText: "A refund reaches billing" }).getByRole("button", { name: "Replay" }).click();
    const test = page.getByRole("complementary", { name: "Test panel" });
    await test.locator('.chat-message[data-kind="user"]', { hasText: "hmm, hello" }).waitFor({ timeout: 15000 });
    await test.locator('.chat-message[data-kind="agent"]', { hasText: "Is it about a refund?" }).waitFor({ timeout: 15000 });
    await test.locator('.chat-message[data-kind="user"]', { hasText: "I want a refund" }).waitFor({ timeout: 15000 });
    await test.locator('.chat-message[data-kind="agent"]', { hasText: "Our billing team will sort out your refund." }).waitFor({ timeout: 15000 });
    assert.equal(await page.locator('.react-flow__node[data-id="billing"] [data-run]').getAttribute("data-run"), "visited");
    await snapshot(page, "flow-tests-replay");
  });

  it("shows the suite's result in the publish dialog and holds publishing to it when asked", async () => {
    await page.getByRole("button", { name: "Tests", exact: true }).click();
    const panel = page.getByRole("complementary", { name: "Tests" });
    const gate = panel.getByLabel("Require these tests to pass before publishing");
    await gate.check();
    await page.waitForFunction(async (id) => {
      const response = await fetch(`/api/pipelines/${id}/tests`);
      return (await response.json()).suite.require_passing_to_publish === true;
    }, pipeline.id);
    await page.getByRole("button", { name: "Publish" }).click();
    const dialog = page.getByRole("dialog", { name: "Publish" });
    const status = dialog.getByTestId("publish-suite");
    await status.filter({ hasText: "1 of 1 passed" }).waitFor();
    assert.match(await status.innerText(), /Publishing runs them first and is refused if one fails/);
    await snapshot(page, "flow-tests-publish");
    await dialog.getByRole("button", { name: "Publish" }).click();
    await dialog.waitFor({ state: "detached", timeout: 20000 });
    const versions = await apiCall(page, "GET", `/pipelines/${pipeline.id}/versions`);
    assert.equal(versions.body.length, 1);
  });
});
