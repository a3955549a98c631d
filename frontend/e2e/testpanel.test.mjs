import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPipeline, deletePipeline, launch, openEditor, signedInPage, snapshot, uniqueName } from "./browser.mjs";

describe("test panel", () => {
  let browser, page, pipeline;
  before(async () => {
    browser = await launch();
    page = await signedInPage(browser);
    pipeline = await createPipeline(page, uniqueName("E2E test panel"), (graph) => {
      graph.nodes.push({ id: "echo", type: "say", position: { x: 400, y: 200 }, data: { label: "Echo", config: { text: "You said {{ exchange.user_message }}." } } });
      graph.edges.push({ id: "e1", source: "start", sourceHandle: "out", target: "echo", targetHandle: "in" });
    });
    await openEditor(page, pipeline.id);
  });
  after(async () => {
    if (pipeline) await deletePipeline(page, pipeline.id);
    await browser?.close();
  });

  it("chats with the draft and lights up the nodes a turn passes through", async () => {
    await page.getByRole("button", { name: "Test", exact: true }).click();
    const panel = page.getByRole("complementary", { name: "Test panel" });
    await panel.getByTestId("test-status").filter({ hasText: "Connected" }).waitFor({ timeout: 10000 });
    await panel.getByLabel("Message to the pipeline").fill("hello there");
    await panel.getByLabel("Message to the pipeline").press("Enter");
    await panel.locator('.chat-message[data-kind="agent"]', { hasText: "You said hello there." }).waitFor({ timeout: 10000 });
    assert.equal(await page.locator('.react-flow__node[data-id="echo"] [data-run]').getAttribute("data-run"), "visited");
    await panel.locator("details.trace summary").last().click();
    assert.ok(await panel.getByRole("button", { name: "Echo" }).isVisible());
    await snapshot(page, "test-panel");
  });

  it("explains why voice calls are unavailable", async () => {
    const call = page.getByRole("complementary", { name: "Test panel" }).getByRole("button", { name: /^Call/ });
    assert.equal(await call.isEnabled(), false);
    assert.match((await call.getAttribute("aria-label")) ?? "", /unavailable: .+/);
  });

  it("resets the conversation", async () => {
    const panel = page.getByRole("complementary", { name: "Test panel" });
    await panel.getByRole("button", { name: "Reset" }).click();
    await panel.getByText("Test started on the draft.").waitFor();
    assert.equal(await panel.locator('.chat-message[data-kind="user"]').count(), 0);
  });

  it("takes typed digits when a Collect digits node asks for them", async () => {
    const keypad = await createPipeline(page, uniqueName("E2E digits"), (graph) => {
      graph.nodes.push(
        { id: "ask", type: "collect_digits", position: { x: 400, y: 200 }, data: { config: { prompt: "Enter your account number.", variable: "account", max_digits: 6, terminator: "#", timeout_s: 10 } } },
        { id: "got", type: "say", position: { x: 700, y: 200 }, data: { config: { text: "Account {{ account }} found." } } },
      );
      graph.edges.push(
        { id: "e1", source: "start", sourceHandle: "out", target: "ask", targetHandle: "in" },
        { id: "e2", source: "ask", sourceHandle: "out", target: "got", targetHandle: "in" },
      );
    });
    try {
      await openEditor(page, keypad.id);
      await page.getByRole("button", { name: "Test", exact: true }).click();
      const panel = page.getByRole("complementary", { name: "Test panel" });
      await panel.getByTestId("test-status").filter({ hasText: "Connected" }).waitFor({ timeout: 10000 });
      await panel.getByLabel("Message to the pipeline").fill("hi");
      await panel.getByLabel("Message to the pipeline").press("Enter");
      await panel.getByText("Enter your account number.").waitFor();
      const keys = panel.getByLabel("Keys to press");
      await keys.waitFor();
      await keys.fill("4321#");
      await keys.press("Enter");
      await panel.getByText("Account 4321 found.").waitFor({ timeout: 10000 });
      await panel.getByRole("tab", { name: /Variables/ }).click();
      await panel.getByRole("cell", { name: "account" }).waitFor();
      await snapshot(page, "test-panel-digits");
    } finally {
      await deletePipeline(page, keypad.id);
    }
  });
});
