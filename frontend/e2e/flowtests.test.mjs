import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPipeline, deletePipeline, launch, openEditor, signedInPage, snapshot, uniqueName, waitSaved } from "./browser.mjs";

describe("flow tests tab", () => {
  let browser, page, pipeline;
  before(async () => {
    browser = await launch();
    page = await signedInPage(browser);
    pipeline = await createPipeline(page, uniqueName("E2E flow tests"), (graph) => {
      graph.nodes.push(
        {
          id: "route",
          type: "classifier",
          position: { x: 380, y: 200 },
          data: { label: "Route", config: { mode: "keywords", intents: [{ name: "billing", keywords: ["refund", "bill"] }, { name: "human", keywords: ["person"] }] } },
        },
        { id: "billing", type: "say", position: { x: 720, y: 80 }, data: { label: "Billing answer", config: { text: "Billing here." } } },
        { id: "human", type: "say", position: { x: 720, y: 240 }, data: { label: "Person answer", config: { text: "Connecting you to a person." } } },
        { id: "other", type: "say", position: { x: 720, y: 400 }, data: { label: "Clarify", config: { text: "Billing or a person?" } } },
      );
      graph.edges.push(
        { id: "e1", source: "start", sourceHandle: "out", target: "route", targetHandle: "in" },
        { id: "e2", source: "route", sourceHandle: "intent:billing", target: "billing", targetHandle: "in" },
        { id: "e3", source: "route", sourceHandle: "intent:human", target: "human", targetHandle: "in" },
        { id: "e4", source: "route", sourceHandle: "fallback", target: "other", targetHandle: "in" },
      );
    });
    await openEditor(page, pipeline.id);
  });
  after(async () => {
    if (pipeline) await deletePipeline(page, pipeline.id);
    await browser?.close();
  });

  it("writes a scenario, sees it fail with expected and observed, fixes the flow, sees it pass and the coverage", async () => {
    await page.getByRole("button", { name: "Tests", exact: true }).click();
    const panel = page.getByRole("complementary", { name: "Tests" });
    await panel.getByText("No scenarios yet.").waitFor();
    await panel.getByRole("button", { name: "New scenario" }).click();
    const form = panel.getByRole("form", { name: "Scenario" });
    await form.getByLabel("Scenario name").fill("A refund reaches the billing team");
    await form.getByLabel("Step 1: the caller's words").fill("I want a refund");
    await form.getByRole("button", { name: "Expect… (step 1)" }).click();
    await form.getByLabel("step 1 expectation 1: text").fill("billing team");
    await form.getByRole("button", { name: "Expect… (step 1)" }).click();
    await form.getByLabel("step 1 expectation 2: kind").selectOption({ label: "A node takes the output" });
    await form.getByLabel("step 1 expectation 2: node").selectOption({ label: "Route" });
    await form.getByLabel("step 1 expectation 2: output").selectOption("intent:billing");
    await form.getByRole("button", { name: "Save scenario" }).click();
    const scenario = panel.getByTestId("scenario").filter({ hasText: "A refund reaches the billing team" });
    await scenario.waitFor();
    assert.equal(await scenario.getAttribute("data-state"), "not run");

    await panel.getByRole("button", { name: "Run all" }).click();
    await panel.getByTestId("suite-summary").filter({ hasText: "0 of 1 passed" }).waitFor({ timeout: 15000 });
    assert.equal(await scenario.getAttribute("data-state"), "failed");
    const failure = scenario.getByTestId("failure");
    assert.match(await failure.innerText(), /Step 1:\s*expected says 'billing team'\s*observed said: 'Billing here\.'/);
    // The branches no scenario took are dashed on the canvas and listed with a way to cover them.
    assert.equal(await page.locator('.react-flow__edge.uncovered[data-id="e3"]').count(), 1);
    assert.equal(await page.locator('.react-flow__edge.uncovered[data-id="e2"]').count(), 0);
    await snapshot(page, "flow-tests-failed");
    await panel.getByTestId("uncovered").getByText("Route → human").waitFor();

    // Fix the flow in the inspector, as a designer would.
    await page.locator('.react-flow__node[data-id="billing"]').click();
    await page.getByRole("button", { name: "Tests", exact: true }).click(); // back to the inspector
    const inspector = page.getByRole("complementary", { name: "Inspector" });
    await inspector.getByRole("heading", { name: "Say" }).waitFor();
    await inspector.getByLabel("Text").fill("Our billing team will sort out your refund.");
    await waitSaved(page);
    await page.getByRole("button", { name: "Tests", exact: true }).click();
    const again = page.getByRole("complementary", { name: "Tests" });
    await again.getByRole("button", { name: "Run all" }).click();
    await again.getByTestId("suite-summary").filter({ hasText: "1 of 1 passed" }).waitFor({ timeout: 15000 });
    const passed = again.getByTestId("scenario").filter({ hasText: "A refund reaches the billing team" });
    assert.equal(await passed.getAttribute("data-state"), "passed");
    await snapshot(page, "flow-tests-passed");

    // Cover the person branch with a drafted scenario, then everything passes.
    await again.getByTestId("uncovered").locator("li", { hasText: "Route → human" }).getByRole("button", { name: "Create a scenario for this branch" }).click();
    const drafted = again.getByRole("form", { name: "Scenario" });
    assert.equal(await drafted.getByLabel("Step 1: the caller's words").inputValue(), "person");
    await drafted.getByRole("button", { name: "Save scenario" }).click();
    await again.getByRole("button", { name: "Run all" }).click();
    await again.getByTestId("suite-summary").filter({ hasText: "2 of 2 passed" }).waitFor({ timeout: 15000 });
    assert.equal(await page.locator('.react-flow__edge.uncovered[data-id="e3"]').count(), 0);
    assert.equal(await page.locator('.react-flow__edge.uncovered[data-id="e4"]').count(), 1);
    await snapshot(page, "flow-tests-coverage");
  });

  it("writes a simulated caller in the form, and says why a run by voice cannot start here", async () => {
    const panel = page.getByRole("complementary", { name: "Tests" });
    if (!(await panel.isVisible())) await page.getByRole("button", { name: "Tests", exact: true }).click();
    await panel.getByRole("button", { name: "New scenario" }).click();
    const form = panel.getByRole("form", { name: "Scenario" });
    await form.getByLabel("Scenario name").fill("An impatient caller wants a refund");
    await form.getByRole("radio", { name: /A simulated caller/ }).check();
    assert.equal(await form.getByLabel("Step 1: the caller's words").count(), 0);
    const caller = form.getByRole("group", { name: "Simulated caller" });
    await caller.getByLabel("Who the caller is").fill("A customer charged twice, impatient");
    await caller.getByLabel("What the caller wants").fill("A refund of the second charge");
    await caller.getByLabel("Turns at most").fill("4");
    await caller.getByLabel("Runs").fill("2");
    await caller.getByLabel("Must pass (%)").fill("50");
    await caller.getByLabel("Model that plays the caller").waitFor();
    await form.getByLabel("Silence timeout (seconds, 0: none)").fill("9");
    await snapshot(page, "flow-tests-simulated-form");
    await form.getByRole("button", { name: "Save scenario" }).click();
    const scenario = panel.getByTestId("scenario").filter({ hasText: "An impatient caller wants a refund" });
    await scenario.waitFor();

    // What was saved is what the form showed.
    const stored = await page.evaluate(async (id) => (await fetch(`/api/pipelines/${id}/tests`)).json(), pipeline.id);
    const saved = stored.suite.scenarios.find((s) => s.name === "An impatient caller wants a refund");
    assert.deepEqual(saved.simulated, { persona: "A customer charged twice, impatient", goal: "A refund of the second charge", max_turns: 4, runs: 2, min_pass_rate: 0.5, model: "" });
    assert.deepEqual(saved.steps, []);
    assert.equal(saved.silence_timeout_s, 9);
    await scenario.getByRole("button", { name: "Edit" }).click();
    const reopened = panel.getByRole("form", { name: "Scenario" }).getByRole("group", { name: "Simulated caller" });
    assert.equal(await reopened.getByLabel("What the caller wants").inputValue(), "A refund of the second charge");
    assert.equal(await reopened.getByLabel("Runs").inputValue(), "2");
    await panel.getByRole("button", { name: "Cancel" }).click();

    // This workspace has no language model: the simulated caller says so, the others still run.
    await panel.getByRole("button", { name: "Run all" }).click();
    await panel.getByTestId("suite-summary").filter({ hasText: "2 of 3 passed" }).waitFor({ timeout: 15000 });
    await scenario.getByText("A simulated caller needs a language model: configure one.").waitFor();

    // By voice needs LiveKit and the worker, which this server has not: a clear reason, nothing lost.
    await panel.getByLabel("How the scenarios run").selectOption("voice");
    await panel.getByRole("button", { name: "Run all" }).click();
    const alert = panel.getByRole("alert");
    await alert.waitFor();
    assert.match(await alert.innerText(), /Running tests by voice needs a LiveKit server/);
    assert.equal(await panel.getByTestId("scenario").count(), 3);
    await snapshot(page, "flow-tests-voice-unavailable");
  });
});
