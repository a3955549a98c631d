import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPipeline, deletePipeline, draft, launch, openEditor, PASSWORD, signedInPage, snapshot, uniqueName, waitSaved } from "./browser.mjs";

const DESIGNER = process.env.BETOOL_DESIGNER_USERNAME ?? "designer";

describe("after the call, in the editor", () => {
  let browser, page, pipelineId;
  before(async () => {
    browser = await launch();
    page = await signedInPage(browser, { username: DESIGNER, password: process.env.BETOOL_DESIGNER_PASSWORD ?? PASSWORD });
  });
  after(async () => {
    if (pipelineId) await deletePipeline(page, pipelineId);
    await browser?.close();
  });

  it("turns on the post-call analysis in the pipeline's settings, saved with the draft", async () => {
    const made = await createPipeline(page, uniqueName("Analysed"));
    pipelineId = made.id;
    await openEditor(page, made.id);
    const settings = page.getByRole("group", { name: "After the call: analysis" });
    await settings.scrollIntoViewIfNeeded();
    await settings.getByLabel("Analyse each call after it ends").check();
    assert.ok(await settings.getByLabel("Write a summary").isChecked(), "a summary is the default");
    await waitSaved(page);
    await snapshot(page, "editor-analysis-settings");
    const saved = await draft(page, made.id);
    assert.equal(saved.settings.analysis.enabled, true);
  });
});
