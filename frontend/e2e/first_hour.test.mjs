/**
 * A newcomer's first hour: the demo with no language model says which nodes need one; a
 * loopback OpenAI-compatible server (llama.cpp / Ollama / vLLM speak this protocol) becomes
 * the workspace's model and the agent answers through it; a 5-node flow is built by mouse,
 * its problems are fixed, it is published, tested, compared and restored; finance reads the
 * dashboard and the CSV says the same as the table.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { apiCall, BASE_URL, deletePipeline, dragBetween as drag, draft, launch, openEditor, signedInPage, snapshot, uniqueName, USERNAME, waitSaved } from "./browser.mjs";

const LOCAL_ANSWER = "Hello from the local model. How can I help?";

/** A keyless model server on loopback speaking OpenAI's streaming chat completions. */
function startModelServer() {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url.endsWith("/chat/completions")) {
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
        return;
      }
      const request = JSON.parse(body || "{}");
      requests.push(request);
      res.writeHead(200, { "content-type": "text/event-stream" });
      const base = { id: "chatcmpl-local", object: "chat.completion.chunk", created: 0, model: request.model ?? "local" };
      const chunk = (delta, finish = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: "assistant", content: "" }));
      for (const piece of LOCAL_ANSWER.match(/\S+\s*/g)) res.write(chunk({ content: piece }));
      res.write(chunk({}, "stop"));
      if (request.stream_options?.include_usage) {
        res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 40, completion_tokens: 9, total_tokens: 49 } })}\n\n`);
      }
      res.end("data: [DONE]\n\n");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, requests, url: `http://127.0.0.1:${server.address().port}/v1` })));
}

async function pipelineNamed(page, name) {
  const list = (await apiCall(page, "GET", `/pipelines?search=${encodeURIComponent(name)}`)).body;
  return list.find((p) => p.name === name);
}

async function openTestPanel(page) {
  await page.getByRole("button", { name: "Test", exact: true }).click();
  const panel = page.getByRole("complementary", { name: "Test panel" });
  await panel.getByTestId("test-status").filter({ hasText: "Connected" }).waitFor({ timeout: 10000 });
  return panel;
}

/** Sends a caller message and returns what the pipeline answered, once the turn has ended. */
async function say(panel, text) {
  const turns = await panel.locator("details.trace").count();
  await panel.getByLabel("Message to the pipeline").fill(text);
  await panel.getByLabel("Message to the pipeline").press("Enter");
  await panel.page().waitForFunction((n) => document.querySelectorAll('[aria-label="Test panel"] details.trace').length > n, turns, { timeout: 15000 });
  return panel.locator('.chat-message[data-kind="agent"]').last().textContent();
}

describe("a designer's first hour", () => {
  let browser, page, model, localModel, otherModel, built;
  before(async () => {
    browser = await launch();
    page = await signedInPage(browser);
    model = await startModelServer();
  });
  after(async () => {
    if (built) await deletePipeline(page, built);
    if (localModel) await apiCall(page, "DELETE", `/voice-models/${localModel}`);
    if (otherModel) await apiCall(page, "DELETE", `/voice-models/${otherModel}`);
    model?.server.close();
    await browser?.close();
  });

  it("opens the demo with no language model and sees which nodes need one", async () => {
    const llms = (await apiCall(page, "GET", "/voice-models")).body.filter((m) => m.kind === "llm");
    assert.deepEqual(llms, [], "the newcomer's workspace has no language model yet");
    const demo = await pipelineNamed(page, "Support line");
    await openEditor(page, demo.id);
    await page.locator(".flow-node-needs").first().waitFor({ timeout: 10000 });
    const marked = await page.locator(".react-flow__node:has(.flow-node-needs)").evaluateAll((nodes) => nodes.map((n) => n.querySelector(".flow-node-label").textContent));
    assert.deepEqual(marked.sort(), ["Sales agent", "Support agent"]);
    const problems = page.getByRole("region", { name: "Problems" });
    await problems.getByText("Needs a language model: none is set up in this workspace yet.").first().waitFor();
    assert.equal(await problems.getByRole("link", { name: "Set one up" }).first().getAttribute("href"), "/administration/voice-models");
    const panel = await openTestPanel(page);
    const notice = panel.getByTestId("needs-model");
    await notice.waitFor();
    assert.match(await notice.textContent(), /Sales agent, Support agent need a language model/);
    // The keyword paths answer with no model at all.
    assert.match(await say(panel, "I would like to talk to a person"), /connecting you to a colleague/);
    await snapshot(page, "first-hour-needs-model");
    // The inspector offers the workspace's models, not free text.
    await page.getByRole("button", { name: "Close test panel" }).click();
    await page.locator(".react-flow__node", { hasText: "Sales agent" }).click();
    const picker = page.getByRole("complementary", { name: "Inspector" }).getByLabel("Model");
    assert.equal(await picker.evaluate((el) => el.tagName), "SELECT");
    assert.equal(await picker.locator("option").first().textContent(), "Workspace default (none set up yet)");
    await snapshot(page, "first-hour-model-picker-empty");
  });

  it("adds a local OpenAI-compatible server as the workspace's model and chats with the agent", async () => {
    // The admin pages are another engineer's work: the model is added through the API from the page.
    const created = await apiCall(page, "POST", "/voice-models", { name: "Local server", kind: "llm", provider: "openai_compatible", base_url: model.url, model: "qwen2.5-3b-instruct" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    localModel = created.body.id;
    // A second model listed before it, and the admin marks the local one as the default.
    const other = await apiCall(page, "POST", "/voice-models", { name: "A backup server", kind: "llm", provider: "openai_compatible", base_url: model.url, model: "backup" });
    assert.equal(other.status, 201, JSON.stringify(other.body));
    otherModel = other.body.id;
    assert.equal((await apiCall(page, "POST", `/voice-models/${localModel}/default`)).status, 200);
    const demo = await pipelineNamed(page, "Support line");
    await openEditor(page, demo.id);
    await page.getByRole("region", { name: "Problems" }).waitFor();
    await page.waitForTimeout(800); // the first validation of the loaded graph
    assert.equal(await page.locator(".flow-node-needs").count(), 0);
    await page.locator(".react-flow__node", { hasText: "Sales agent" }).click();
    const picker = page.getByRole("complementary", { name: "Inspector" }).getByLabel("Model");
    await picker.locator('option[value="Local server"]').waitFor({ state: "attached" });
    // The default named is the marked one, not the first listed.
    assert.deepEqual(await picker.evaluate((el) => [...el.options].map((o) => o.textContent)), ["Workspace default (Local server)", "A backup server", "Local server"]);
    const panel = await openTestPanel(page);
    assert.equal(await panel.getByTestId("needs-model").count(), 0);
    assert.equal(await say(panel, "I want to buy the premium plan"), LOCAL_ANSWER);
    assert.equal(model.requests.at(-1).model, "qwen2.5-3b-instruct");
    assert.ok(model.requests.at(-1).messages.some((m) => m.role === "user" && /premium plan/.test(m.content)));
    assert.equal(await page.locator('.react-flow__node[data-id="start"] [data-run]').getAttribute("data-run"), "visited");
    await snapshot(page, "first-hour-local-model-chat");

    // The chat is kept under Calls as a test call: who ran it, what it ran, its transcript and trace.
    await page.getByRole("button", { name: "Close test panel" }).click();
    await page.goto(`${BASE_URL}/calls`);
    await page.getByLabel("Test calls").selectOption("only");
    const row = page.locator("tbody tr").filter({ hasText: `Chat test by ${USERNAME}` }).first();
    await row.waitFor();
    assert.match(await row.textContent(), /Support line \(draft\)test/);
    await snapshot(page, "first-hour-chat-under-calls");
    await row.click();
    await page.getByRole("heading", { name: `Chat test by ${USERNAME}` }).waitFor();
    const exchange = page.getByTestId("call-turn").filter({ hasText: "I want to buy the premium plan" });
    await exchange.waitFor();
    assert.match(await exchange.textContent(), new RegExp(LOCAL_ANSWER.replace(/[.?]/g, "\\$&")));
    await exchange.locator("details.trace summary").click();
    assert.ok((await exchange.locator("details.trace tbody tr").count()) >= 2, "the trace lists the nodes the turn ran");
    assert.equal(await page.locator(".page-header .badge", { hasText: "test" }).count(), 1);
    await snapshot(page, "first-hour-chat-call-detail");
  });

  it("builds a 5-node flow by mouse, sees and fixes its problems, publishes, tests, compares and restores", async () => {
    await page.goto(`${BASE_URL}/pipelines`);
    const name = uniqueName("First flow");
    const created = await apiCall(page, "POST", "/pipelines", { name });
    built = created.body.id;
    await openEditor(page, built);
    const pane = page.locator(".react-flow__pane");
    const box = await pane.boundingBox();
    const palette = page.getByRole("complementary", { name: "Node palette" });
    const dropAt = async (label, x, y) => {
      await palette.getByRole("button", { name: new RegExp(`^Add ${label}:`) }).dragTo(pane, { targetPosition: { x, y } });
      await page.locator(".react-flow__node", { hasText: label }).first().waitFor();
    };
    await dropAt("Classifier", box.width * 0.35, box.height * 0.3);
    await dropAt("Say", box.width * 0.7, box.height * 0.12);
    await dropAt("Transfer", box.width * 0.7, box.height * 0.45);
    await dropAt("Hang up", box.width * 0.7, box.height * 0.75);
    assert.equal(await page.locator(".react-flow__node").count(), 5);
    // Tidied up and in view, so that no node hides another.
    await page.getByRole("button", { name: /^Tidy up layout/ }).click();
    await page.locator(".react-flow__controls-fitview").click();
    await page.waitForTimeout(1000); // the view settles before nodes are clicked and handles dragged

    // The classifier, in the inspector: two intents with a keyword each.
    const inspector = page.getByRole("complementary", { name: "Inspector" });
    await page.locator(".react-flow__node-classifier .flow-node-header").click();
    await inspector.getByRole("heading", { name: "Classifier" }).waitFor();
    const intents = inspector.getByRole("group", { name: "Intents" });
    for (const [intent, keyword] of [["sales", "buy"], ["human", "person"]]) {
      await intents.getByRole("button", { name: /Add intent/ }).click();
      const item = intents.locator(".list-item").last();
      // "Add" put the cursor in the new intent's name
      assert.equal(await item.getByLabel(/^Name/).evaluate((el) => el === document.activeElement), true);
      await page.keyboard.type(intent);
      await item.getByRole("button", { name: "Add", exact: true }).click();
      await page.keyboard.type(keyword);
    }
    await page.locator(".react-flow__node-say").click();
    await inspector.getByLabel("Text").fill("Our sales team will call you back today.");
    await page.locator(".react-flow__node-transfer").click();
    await inspector.getByLabel("Transfer to").fill("12ab");

    // Wiring, by dragging from each output to the next node.
    await page.locator(".problems-toggle").click();
    await page.waitForTimeout(500);
    const handle = (type, id) => page.locator(`.react-flow__node-${type} .react-flow__handle[data-handleid="${id}"]`);
    const input = (type) => page.locator(`.react-flow__node-${type} .react-flow__handle.target`);
    await drag(page, handle("start", "out"), input("classifier"));
    await drag(page, handle("classifier", "intent:sales"), input("say"));
    await drag(page, handle("classifier", "intent:human"), input("transfer"));
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 3);
    await waitSaved(page);
    await snapshot(page, "first-hour-wired");
    await page.locator(".problems-toggle").click();

    // What would fail at run time is shown in the designer's words, and refused at publish.
    const problems = page.getByRole("region", { name: "Problems" });
    const fallbackOpen = problems.locator(".problem-item", { hasText: "The output 'Fallback' leads nowhere" });
    const badNumber = problems.locator(".problem-item", { hasText: "Transfer to: use a number in international format such as +15551234567" });
    await fallbackOpen.waitFor({ timeout: 10000 });
    await badNumber.waitFor();
    const texts = await problems.locator(".problem-item").allTextContents();
    assert.ok(texts.every((t) => !/classifier_|intent:|Settings:/.test(t)), texts.join(" | "));
    await snapshot(page, "first-hour-problems");
    const canvasBefore = await page.locator(".canvas-wrap").boundingBox();
    assert.equal(await page.evaluate(() => document.scrollingElement.scrollHeight <= window.innerHeight), true, "the page does not scroll");

    await page.locator(".problems-toggle").click();
    await drag(page, handle("classifier", "fallback"), input("hangup"));
    await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 4);
    await page.locator(".problems-toggle").click();
    await page.locator(".react-flow__node-transfer").click();
    await inspector.getByLabel("Transfer to").fill("+15551234567");
    await fallbackOpen.waitFor({ state: "detached", timeout: 10000 });
    await badNumber.waitFor({ state: "detached" });
    await waitSaved(page);
    // Tidied up once wired: each branch in the order of the classifier's outputs.
    await page.getByRole("button", { name: /^Tidy up layout/ }).click();
    await page.locator(".react-flow__controls-fitview").click();
    await page.waitForTimeout(800);
    const rows = await page.evaluate(() =>
      ["say", "transfer", "hangup"].map((t) => document.querySelector(`.react-flow__node-${t}`).getBoundingClientRect().top),
    );
    assert.deepEqual([...rows].sort((a, b) => a - b), rows, "sales, human, fallback from top to bottom");
    await snapshot(page, "first-hour-tidy");
    assert.deepEqual(await page.locator(".canvas-wrap").boundingBox(), canvasBefore, "the Problems panel never moved the canvas");
    await page.getByRole("region", { name: "Problems" }).locator(".badge-danger").waitFor({ state: "detached" });

    await page.getByRole("button", { name: "Publish" }).click();
    const dialog = page.getByRole("dialog", { name: "Publish" });
    await dialog.getByLabel("What changed?").fill("First flow");
    await dialog.getByRole("button", { name: "Publish" }).click();
    await page.getByText("v1 live").waitFor();

    const panel = await openTestPanel(page);
    assert.equal(await say(panel, "I want to buy something"), "Our sales team will call you back today.");
    await page.getByRole("button", { name: "Close test panel" }).click();

    // A change, compared with version 1 side by side, then version 1 restored.
    await page.locator(".react-flow__node-say").click();
    await inspector.getByLabel("Text").fill("Sales will ring you within the hour.");
    await waitSaved(page);
    await page.getByRole("button", { name: "History" }).click();
    const history = page.getByRole("complementary", { name: "Version history" });
    await history.getByRole("button", { name: /Version 1/ }).click();
    await history.getByText("1 node changed").waitFor();
    assert.equal(await history.getByLabel("Text in version").textContent(), "Our sales team will call you back today.");
    assert.equal(await history.getByLabel("Text in the draft").textContent(), "Sales will ring you within the hour.");
    await snapshot(page, "first-hour-history");
    await history.getByRole("button", { name: "View version 1" }).click();
    const preview = page.getByRole("dialog", { name: "Version 1" });
    await preview.locator(".react-flow__node-say .diff-changed").waitFor();
    await page.waitForTimeout(400);
    await snapshot(page, "first-hour-version-preview");
    await page.keyboard.press("Escape");
    await history.getByRole("button", { name: "Restore version 1 as the draft" }).click();
    await page.getByRole("dialog", { name: "Restore version 1?" }).getByRole("button", { name: "Restore" }).click();
    await page.locator(".react-flow__node-say", { hasText: "Our sales team will call you back today." }).waitFor();
    const restored = await draft(page, built);
    assert.equal(restored.nodes.find((n) => n.type === "say").data.config.text, "Our sales team will call you back today.");
    assert.equal(restored.nodes.length, 5);
  });

  it("as finance: lands on Finance, reads the dashboard, and the CSV holds what the table shows", async () => {
    const finance = await signedInPage(browser, { username: process.env.BETOOL_FINANCE_USERNAME, password: process.env.BETOOL_FINANCE_PASSWORD });
    try {
      await finance.goto(`${BASE_URL}/`);
      await finance.waitForURL(/\/finance$/);
      await finance.getByRole("heading", { name: "Finance" }).waitFor();
      const chart = finance.getByRole("figure", { name: "Credits used per day" });
      await chart.waitFor();
      assert.ok((await chart.locator(".usage-y-axis span").count()) >= 2, "a credits axis");
      assert.ok((await chart.locator(".usage-x-axis span").filter({ hasText: /\d{2}-\d{2}/ }).count()) >= 2, "days along the bottom");
      assert.deepEqual(await chart.locator(".usage-legend span").allTextContents(), ["Call minutes", "Speech recognition", "Speech synthesis", "Language models"]);
      await chart.locator(".usage-bar").last().hover();
      const tooltip = finance.getByTestId("usage-tooltip");
      await tooltip.waitFor();
      assert.match(await tooltip.textContent(), /Language models: [\d,.]+.*Total: [\d,.]+ credits/);
      await snapshot(finance, "first-hour-finance");

      for (const group of ["Day", "Model", "Call"]) {
        await finance.getByRole("button", { name: group, exact: true }).click();
        const table = finance.locator("table.usage-table");
        await finance.waitForFunction((g) => document.querySelector("table.usage-table thead th")?.textContent === g, group);
        await table.locator("tbody tr").first().waitFor();
        const shown = await table.locator("tbody tr, tfoot tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("th, td")].map((c) => c.textContent.trim())));
        const href = await finance.getByRole("link", { name: "Export CSV" }).getAttribute("href");
        const csv = await finance.evaluate(async (url) => (await fetch(url)).text(), href);
        const [header, ...lines] = csv.trim().split(/\r?\n/);
        assert.equal(header, "key,label,calls,call_minutes,call_credits,asr_credits,tts_credits,llm_credits,total_credits");
        const rows = lines.map((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g).slice(0, 9).map((cell) => cell.replace(/,$/, "").replace(/^"|"$/g, "").replace(/""/g, '"')));
        // The table shows a page of rows and, below, the total of every page; the CSV holds
        // every row, then that total.
        const pageRows = shown.length - 1;
        const range = finance.getByText(/^1–\d+ of \d+$/);
        const groups = (await range.count()) ? Number((await range.textContent()).split(" of ")[1]) : pageRows;
        assert.equal(rows.length, groups + 1, `${group}: one CSV line per row of every page, and the total`);
        [...rows.slice(0, pageRows), rows.at(-1)].forEach((row, i) => {
          const cells = shown[i];
          assert.equal(row[1], cells[0], `${group}: the same label`);
          assert.equal(Number(row[2]), Number(cells[1]), `${group}: the same number of calls`);
          for (const [column, cell] of [[3, 2], [4, 3], [5, 4], [6, 5], [7, 6], [8, 7]]) {
            assert.match(row[column], /^-?\d+\.\d{2}$/, `${group}: two decimals in ${header.split(",")[column]}`);
            assert.equal(Number(row[column]), Number(cells[cell].replace(/[^0-9.-]/g, "")), `${group} ${row[1]}: ${header.split(",")[column]}`);
          }
        });
        if (group === "Model") assert.ok(rows.filter((r) => r[1] !== "Call time" && r[1] !== "Total").every((r) => Number(r[2]) > 0), "a model's calls are counted");
        if (group === "Call") assert.ok(rows.every((r) => !/^(demo-)?call-/.test(r[1])), "calls are labelled by caller, number and time");
      }
      await snapshot(finance, "first-hour-finance-calls");

      // A top-up that cannot be added says why.
      await finance.getByRole("button", { name: "Add credits" }).click();
      const dialog = finance.getByRole("dialog", { name: "Add credits" });
      await dialog.getByLabel("Credits").fill("-50");
      await dialog.getByRole("button", { name: "Add to ledger" }).click();
      assert.match(await dialog.getByTestId("credit-refusal").textContent(), /A top-up must add a positive amount/);
      await snapshot(finance, "first-hour-refused-top-up");
    } finally {
      await finance.context().close();
    }
  });
});
