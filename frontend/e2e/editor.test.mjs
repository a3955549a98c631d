import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiCall, createPipeline, deletePipeline, dragBetween as dragHandle, draft, launch, openEditor, signedInPage, snapshot, uniqueName, waitSaved } from "./browser.mjs";

const MOD = process.platform === "darwin" ? "Meta" : "Control";

describe("pipeline editor", () => {
  let browser, page, pipeline;
  before(async () => {
    browser = await launch();
    page = await signedInPage(browser);
    pipeline = await createPipeline(page, uniqueName("E2E editor"));
    await openEditor(page, pipeline.id);
  });
  after(async () => {
    if (pipeline) await deletePipeline(page, pipeline.id);
    await browser?.close();
  });

  it("adds a node from the palette with the keyboard and edits it with {{ }} autocomplete", async () => {
    await page.locator(".react-flow__pane").click({ position: { x: 10, y: 10 } });
    await page.keyboard.press("/");
    await page.keyboard.type("say");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__node").length === 2);
    const inspector = page.getByRole("complementary", { name: "Inspector" });
    await inspector.getByRole("heading", { name: "Say" }).waitFor();
    const text = inspector.getByLabel("Text");
    await text.fill("You said {{");
    await text.press("End");
    await text.type(" exchange.u");
    await page.getByRole("option", { name: /exchange\.user_message/ }).waitFor();
    await text.press("Enter");
    assert.equal(await text.inputValue(), "You said {{ exchange.user_message }}");
    await waitSaved(page);
    const say = (await draft(page, pipeline.id)).nodes.find((n) => n.type === "say");
    assert.equal(say.data.config.text, "You said {{ exchange.user_message }}");
  });

  it("connects typed handles and refuses a connection into the Start node", async () => {
    const start = page.locator('.react-flow__node[data-id="start"]');
    const say = page.locator('.react-flow__node-say');
    await dragHandle(page, start.locator(".react-flow__handle.source[data-handleid=\"out\"]"), say.locator(".react-flow__handle.target"));
    await page.locator(".react-flow__edge").first().waitFor();
    await dragHandle(page, say.locator(".react-flow__handle.source"), start);
    assert.equal(await page.locator(".react-flow__edge").count(), 1);
    await waitSaved(page);
    const graph = await draft(page, pipeline.id);
    assert.equal(graph.edges.length, 1);
    assert.equal(graph.edges[0].source, "start");
    assert.equal(graph.edges[0].sourceHandle, "out");
  });

  it("shows validation problems on the node and in the panel; an entry focuses its node", async () => {
    await page.getByRole("button", { name: /Add Hang up/ }).click();
    const problems = page.getByRole("region", { name: "Problems" });
    const entry = problems.locator(".problem-item").filter({ hasText: /Hang up|reach/i }).first();
    await entry.waitFor({ timeout: 10000 });
    await page.locator('.react-flow__node-hangup [data-problems]:not([data-problems="0"])').waitFor();
    await page.locator(".react-flow__pane").click({ position: { x: 10, y: 10 } });
    await entry.click();
    await page.getByRole("complementary", { name: "Inspector" }).getByRole("heading", { name: "Hang up" }).waitFor();
    // The open list leaves the minimap and the zoom controls in sight.
    const list = await problems.locator(".problems-list").boundingBox();
    for (const selector of [".react-flow__minimap", ".react-flow__controls"]) {
      const box = await page.locator(selector).boundingBox();
      const apart = list.x + list.width <= box.x || box.x + box.width <= list.x || list.y + list.height <= box.y || box.y + box.height <= list.y;
      assert.ok(apart, `the problems list covers ${selector}: ${JSON.stringify({ list, box })}`);
    }
    await snapshot(page, "editor-problems");
  });

  it("connects an output by choosing where it leads, from the keyboard", async () => {
    await page.locator(".react-flow__node-say").click();
    const inspector = page.getByRole("complementary", { name: "Inspector" });
    await inspector.getByLabel("Next", { exact: true }).selectOption({ label: "Hang up" });
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 2);
    await page.locator('.react-flow__node-hangup [data-problems="0"]').waitFor();
    await waitSaved(page);
    const graph = await draft(page, pipeline.id);
    assert.ok(graph.edges.some((e) => e.source.startsWith("say_") && e.target.startsWith("hangup_")));
  });

  it("removes a selected connection with its button", async () => {
    // Click a point of a curve that no node covers.
    const point = await page.evaluate(() => {
      for (const path of document.querySelectorAll(".react-flow__edge-interaction")) {
        const m = path.getScreenCTM();
        for (let f = 0.1; f < 0.95; f += 0.05) {
          const p = path.getPointAtLength(path.getTotalLength() * f);
          const [x, y] = [p.x * m.a + m.e, p.y * m.d + m.f];
          if (document.elementFromPoint(x, y) === path) return { x, y };
        }
      }
      return null;
    });
    assert.ok(point, "a visible connection");
    await page.mouse.click(point.x, point.y);
    await snapshot(page, "edge-selected");
    await page.getByRole("button", { name: "Remove this connection" }).click();
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 1);
    await page.keyboard.press(`${MOD}+z`);
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 2);
  });

  it("undoes and redoes, copies and pastes, and deletes", async () => {
    const count = () => page.locator(".react-flow__node").count();
    assert.equal(await count(), 3);
    await page.locator(".react-flow__pane").click({ position: { x: 10, y: 10 } });
    await page.keyboard.press(`${MOD}+z`);
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 1);
    await page.keyboard.press(`${MOD}+z`);
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__node").length === 2);
    await page.keyboard.press(`${MOD}+Shift+z`);
    await page.keyboard.press(`${MOD}+Shift+z`);
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__node").length === 3 && document.querySelectorAll(".react-flow__edge").length === 2);
    await page.locator(".react-flow__node-hangup").click();
    await page.keyboard.press(`${MOD}+c`);
    await page.keyboard.press(`${MOD}+v`);
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__node-hangup").length === 2);
    await page.keyboard.press("Delete");
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__node-hangup").length === 1);
    await page.locator(".react-flow__node-hangup").click();
    await page.keyboard.press("Delete");
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__node").length === 2);
    await waitSaved(page);
    assert.equal((await draft(page, pipeline.id)).nodes.length, 2);
  });

  it("creates a connected node by dropping a connection on empty canvas", async () => {
    const handle = page.locator(".react-flow__node-say .react-flow__handle.source");
    const box = await handle.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    // Drop low in the middle of the canvas, where no node, minimap or control sits.
    const pane = await page.locator(".react-flow__pane").boundingBox();
    await page.mouse.move(box.x + 40, box.y + 40, { steps: 5 });
    await page.mouse.move(pane.x + pane.width / 2, pane.y + pane.height - 60, { steps: 8 });
    await page.mouse.up();
    const menu = page.getByRole("dialog", { name: "Add a connected node" });
    await menu.getByLabel("Search node types").fill("hang");
    await menu.getByLabel("Search node types").press("Enter");
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__node-hangup").length === 1 && document.querySelectorAll(".react-flow__edge").length === 2);
    await page.keyboard.press(`${MOD}+z`);
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__node").length === 2 && document.querySelectorAll(".react-flow__edge").length === 1);
    await waitSaved(page);
  });

  it("shows a long node name whole, on two lines of its card, and as its tooltip", async () => {
    const name = "Ask which appointment to move"; // cut short on one line before
    await page.locator(".react-flow__node-say").click();
    const inspector = page.getByRole("complementary", { name: "Inspector" });
    await inspector.getByLabel("Name on canvas").fill(name);
    const label = page.locator(".react-flow__node-say .flow-node-label");
    await label.filter({ hasText: name }).waitFor();
    const shown = await label.evaluate((el) => ({ lines: Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)), cut: el.scrollHeight > el.clientHeight + 1, title: el.title }));
    assert.deepEqual(shown, { lines: 2, cut: false, title: name });
    await page.locator(".react-flow__pane").click({ position: { x: 10, y: 10 } });
    await page.keyboard.press("Shift+!");
    await page.waitForFunction(() => {
      const pane = document.querySelector(".react-flow__pane").getBoundingClientRect();
      return [...document.querySelectorAll(".react-flow__node")].every((n) => {
        const box = n.getBoundingClientRect();
        return box.left >= pane.left && box.right <= pane.right;
      });
    });
    await snapshot(page, "editor-long-name");
    await page.locator(".react-flow__node-say").click();
    await inspector.getByLabel("Name on canvas").fill("");
    await label.filter({ hasText: "Say" }).waitFor();
    await waitSaved(page);
  });

  it("lists every shortcut in the help overlay", async () => {
    await page.locator(".react-flow__pane").click({ position: { x: 10, y: 10 } });
    await page.keyboard.press("Shift+?");
    const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.waitFor();
    assert.ok(await help.getByText("Undo", { exact: true }).isVisible());
    await snapshot(page, "editor-help");
    await page.keyboard.press("Escape");
    await help.waitFor({ state: "detached" });
  });

  it("publishes with a note and shows the version in the history", async () => {
    await page.getByRole("button", { name: "Publish" }).click();
    const dialog = page.getByRole("dialog", { name: "Publish" });
    await dialog.getByLabel("What changed?").fill("First version");
    await dialog.getByRole("button", { name: "Publish" }).click();
    await page.getByText("v1 live").waitFor();
    await page.getByRole("button", { name: "History" }).click();
    const history = page.getByRole("complementary", { name: "Version history" });
    await history.getByRole("button", { name: /Version 1/ }).click();
    await history.getByText("No changes: the draft is the same as version 1.").waitFor();
    await snapshot(page, "editor-history");
  });

  it("shows what the draft changed since a version, on the canvas, and restores it", async () => {
    const history = page.getByRole("complementary", { name: "Version history" });
    await history.getByRole("button", { name: "Close version history" }).click();
    await page.getByLabel("Search node types").fill("");
    await page.getByRole("button", { name: /Add Hold/ }).click();
    await waitSaved(page);
    await page.getByRole("button", { name: "History" }).click();
    await history.getByRole("button", { name: /Version 1/ }).click();
    await history.getByText("1 node added").waitFor();
    await page.locator(".react-flow__node-hold .flow-node.diff-added").waitFor();
    await snapshot(page, "editor-diff");
    await history.getByRole("button", { name: "View version 1" }).click();
    const preview = page.getByRole("dialog", { name: "Version 1" });
    await preview.locator(".react-flow__node").first().waitFor();
    assert.equal(await preview.locator(".react-flow__node").count(), 2);
    await page.waitForTimeout(300);
    await snapshot(page, "editor-version-preview");
    await page.keyboard.press("Escape");
    await preview.waitFor({ state: "detached" });
    await history.getByRole("button", { name: "Restore version 1 as the draft" }).click();
    await page.getByRole("dialog", { name: "Restore version 1?" }).getByRole("button", { name: "Restore" }).click();
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__node-hold").length === 0);
    assert.equal((await draft(page, pipeline.id)).nodes.some((n) => n.type === "hold"), false);
  });

  it("exports the pipeline as JSON and imports it as a new pipeline", async () => {
    await page.getByRole("button", { name: "More actions" }).click();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("menuitem", { name: "Export JSON" }).click()]);
    assert.match(download.suggestedFilename(), /\.betool\.json$/);
    const file = await download.path();
    await page.getByLabel("Pipeline file to import").setInputFiles(file);
    await page.waitForURL((url) => /\/pipelines\/\d+$/.test(url.pathname) && !url.pathname.endsWith(`/${pipeline.id}`));
    const importedId = Number(page.url().split("/").pop());
    const imported = (await apiCall(page, "GET", `/pipelines/${importedId}`)).body;
    await deletePipeline(page, importedId);
    assert.equal(imported.graph.nodes.length, 2);
    assert.ok(imported.graph.nodes.some((n) => n.type === "say"));
  });
});
