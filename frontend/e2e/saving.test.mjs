import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiCall, createPipeline, deletePipeline, launch, openEditor, signedInPage, snapshot, uniqueName } from "./browser.mjs";

/** Someone else saves the draft behind the editor's back. */
async function saveElsewhere(page, id, greeting) {
  const current = (await apiCall(page, "GET", `/pipelines/${id}`)).body;
  current.graph.nodes.find((n) => n.id === "start").data.config.greeting = greeting;
  const saved = await apiCall(page, "PUT", `/pipelines/${id}/draft`, { graph: current.graph, revision: current.revision });
  assert.equal(saved.status, 200);
}

async function editGreeting(page, text) {
  await page.locator('.react-flow__node[data-id="start"]').click();
  await page.getByRole("complementary", { name: "Inspector" }).getByLabel("Greeting", { exact: true }).fill(text);
}

describe("autosave conflicts", () => {
  let browser, page;
  const made = [];
  before(async () => {
    browser = await launch();
    page = await signedInPage(browser);
  });
  after(async () => {
    for (const id of made) await deletePipeline(page, id);
    await browser?.close();
  });

  it("never overwrites a newer draft: reload theirs", async () => {
    const pipeline = await createPipeline(page, uniqueName("E2E conflict"));
    made.push(pipeline.id);
    await openEditor(page, pipeline.id);
    await saveElsewhere(page, pipeline.id, "Their greeting");
    await editGreeting(page, "My greeting");
    const dialog = page.getByRole("dialog", { name: "This draft changed elsewhere" });
    await dialog.waitFor({ timeout: 10000 });
    assert.equal(await page.getByTestId("save-status").getAttribute("data-state"), "conflict");
    await snapshot(page, "conflict");
    const server = (await apiCall(page, "GET", `/pipelines/${pipeline.id}`)).body;
    assert.equal(server.graph.nodes[0].data.config.greeting, "Their greeting");
    await dialog.getByRole("button", { name: "Reload theirs" }).click();
    await page.locator('.react-flow__node[data-id="start"]').click();
    assert.equal(await page.getByRole("complementary", { name: "Inspector" }).getByLabel("Greeting", { exact: true }).inputValue(), "Their greeting");
    await editGreeting(page, "After reload");
    await page.waitForFunction(() => document.querySelector('[data-testid="save-status"]')?.getAttribute("data-state") === "saved", null, { timeout: 10000 });
    const after = (await apiCall(page, "GET", `/pipelines/${pipeline.id}`)).body;
    assert.equal(after.graph.nodes[0].data.config.greeting, "After reload");
  });

  it("keeps mine as a copy", async () => {
    const pipeline = await createPipeline(page, uniqueName("E2E copy"));
    made.push(pipeline.id);
    await openEditor(page, pipeline.id);
    await saveElsewhere(page, pipeline.id, "Theirs");
    await editGreeting(page, "Mine");
    const dialog = page.getByRole("dialog", { name: "This draft changed elsewhere" });
    await dialog.getByRole("button", { name: "Keep mine as a copy" }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(`/${pipeline.id}`));
    const copyId = Number(page.url().split("/").pop());
    made.push(copyId);
    const copy = (await apiCall(page, "GET", `/pipelines/${copyId}`)).body;
    assert.match(copy.name, /\(my copy\)$/);
    assert.equal(copy.graph.nodes.find((n) => n.id === "start").data.config.greeting, "Mine");
    const theirs = (await apiCall(page, "GET", `/pipelines/${pipeline.id}`)).body;
    assert.equal(theirs.graph.nodes[0].data.config.greeting, "Theirs");
  });

  it("refuses to publish an invalid graph and says what to fix", async () => {
    const pipeline = await createPipeline(page, uniqueName("E2E invalid"), (graph) => {
      graph.nodes.push({ id: "classify", type: "classifier", position: { x: 400, y: 200 }, data: { config: { mode: "keywords", intents: [] } } });
      graph.edges.push({ id: "e1", source: "start", sourceHandle: "out", target: "classify", targetHandle: "in" });
    });
    made.push(pipeline.id);
    await openEditor(page, pipeline.id);
    await page.locator('.react-flow__node[data-id="classify"] [data-problems]:not([data-problems="0"])').waitFor();
    await page.getByRole("button", { name: "Publish" }).click();
    const dialog = page.getByRole("dialog", { name: "Publish" });
    await dialog.getByRole("button", { name: "Publish" }).click();
    await dialog.getByRole("alert").filter({ hasText: /Intents/ }).waitFor();
    const versions = await apiCall(page, "GET", `/pipelines/${pipeline.id}/versions`);
    assert.equal(versions.body.length, 0);
    await snapshot(page, "publish-invalid");
  });
});
