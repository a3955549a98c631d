import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import { apiCall, BASE_URL, createPipeline, deletePipeline, launch, PASSWORD, signedInPage, snapshot, uniqueName } from "./browser.mjs";

const ADMIN = process.env.BETOOL_ADMIN_USERNAME ?? "admin";
const DESIGNER = process.env.BETOOL_DESIGNER_USERNAME ?? "designer";

/** A receiver on loopback: records each request, answers the scripted statuses (the last repeats). */
function startReceiver() {
  const state = { received: [], statuses: [200] };
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (c) => chunks.push(c));
    request.on("end", () => {
      state.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      const status = state.statuses.length > 1 ? state.statuses.shift() : state.statuses[0];
      response.writeHead(status, { "content-type": "text/plain" });
      response.end(status < 300 ? "thanks" : "CRM is down for maintenance");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ state, server, url: `http://127.0.0.1:${server.address().port}/betool-hooks` })));
}

/** Standard Webhooks' verification, written from the specification. */
function signatureValid(secret, headers, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`).digest("base64");
  return headers["webhook-signature"].split(" ").some((s) => s === `v1,${expected}`);
}

function sayGraph(graph) {
  graph.nodes.push({ id: "say1", type: "say", position: { x: 0, y: 200 }, data: { label: "Say", config: { text: "Hello" } } });
  graph.edges.push({ id: "e1", source: "start", sourceHandle: "out", target: "say1", targetHandle: "in" });
}

describe("webhooks administration", () => {
  let browser, admin, designer, receiver, pipelineId;
  before(async () => {
    browser = await launch();
    admin = await signedInPage(browser, { username: ADMIN, password: PASSWORD });
    receiver = await startReceiver();
  });
  after(async () => {
    if (pipelineId) await deletePipeline(designer, pipelineId);
    receiver?.server.close();
    await browser?.close();
  });

  it("adds an endpoint, shows its secret once, logs a failed delivery and redelivers it", async () => {
    await admin.goto(`${BASE_URL}/administration/webhooks`);
    await admin.getByRole("heading", { name: "Webhooks", level: 2, exact: true }).waitFor();
    const form = admin.locator("form", { has: admin.getByRole("heading", { name: "New endpoint" }) });
    // An address betool may never call is refused on its field, and what was typed stays.
    await form.getByLabel("URL").fill("http://169.254.169.254/latest/meta-data");
    await form.getByRole("button", { name: "Add endpoint" }).click();
    await form.locator(".field-error").first().waitFor();
    assert.match(await form.locator(".field-error").first().innerText(), /link-local/);
    await form.getByLabel("URL").fill(receiver.url);
    await form.getByLabel("Description").fill("CRM sync");
    await form.getByRole("checkbox", { name: /pipeline\.published/ }).check();
    await form.getByRole("button", { name: "Add endpoint" }).click();
    const secret = await admin.getByTestId("once-value").innerText();
    assert.match(secret, /^whsec_/);
    const card = admin.getByRole("article", { name: `Endpoint ${receiver.url}` });
    await card.waitFor();
    await snapshot(admin, "webhooks-endpoint-created");
    const listed = (await apiCall(admin, "GET", "/webhooks/endpoints")).body;
    assert.ok(listed.every((e) => e.secret === undefined), "the secret is never sent back");

    receiver.state.statuses = [500, 200];
    const name = uniqueName("Webhook pipeline");
    // A designer publishes a pipeline: the endpoint hears of it.
    designer = await signedInPage(browser, { username: DESIGNER, password: process.env.BETOOL_DESIGNER_PASSWORD ?? PASSWORD });
    const made = await createPipeline(designer, name, sayGraph);
    pipelineId = made.id;
    const published = await apiCall(designer, "POST", `/pipelines/${made.id}/publish`, { note: "for the CRM" });
    assert.equal(published.status, 201, JSON.stringify(published.body));

    assert.equal(receiver.state.received.length, 1);
    const first = receiver.state.received[0];
    assert.ok(signatureValid(secret, first.headers, first.body), "the signature verifies with the secret shown once");
    const body = JSON.parse(first.body);
    assert.equal(body.type, "pipeline.published");
    assert.equal(body.data.pipeline_name, name);

    await card.getByRole("button", { name: "Deliveries" }).click();
    const log = card.getByRole("table", { name: `Deliveries to ${receiver.url}` });
    const row = log.getByRole("row").filter({ hasText: "pipeline.published" });
    await row.waitFor();
    assert.match(await row.innerText(), /Retrying/);
    assert.match(await row.innerText(), /HTTP 500/);
    assert.match(await row.innerText(), /CRM is down for maintenance/);
    await card.scrollIntoViewIfNeeded();
    await snapshot(admin, "webhooks-delivery-failed");

    await row.getByRole("button", { name: /Send pipeline\.published .* again/ }).click();
    await row.getByText("Delivered").waitFor();
    assert.match(await row.innerText(), /HTTP 200/);
    assert.equal(receiver.state.received.length, 2);
    assert.equal(receiver.state.received[1].headers["webhook-id"], first.headers["webhook-id"], "a redelivery is the same message");
    await card.scrollIntoViewIfNeeded();
    await snapshot(admin, "webhooks-redelivered");

    await card.getByRole("button", { name: "Turn off" }).click();
    await card.getByText("Off", { exact: true }).waitFor();
    await card.getByRole("button", { name: `Delete ${receiver.url}` }).click();
    await admin.getByRole("dialog").getByRole("button", { name: "Delete endpoint" }).click();
    await card.waitFor({ state: "detached" });
  });
});
