import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiCall, BASE_URL, createPipeline, launch, PASSWORD, signedInPage, snapshot, uniqueName } from "./browser.mjs";

const ADMIN = process.env.BETOOL_ADMIN_USERNAME ?? "admin";
const DESIGNER = process.env.BETOOL_DESIGNER_USERNAME ?? "designer";
const FINANCE = process.env.BETOOL_FINANCE_USERNAME ?? "finance";
const LOCAL_LLM_URL = process.env.BETOOL_LOCAL_LLM_URL ?? "";

/** A unique E.164 number per run: +1 555 then 7 digits. */
const uniqueNumber = () => `+1555${String(Date.now()).slice(-7)}`;

async function openAdmin(page, section, heading) {
  await page.goto(`${BASE_URL}/administration/${section}`);
  await page.getByRole("heading", { name: heading, level: 2, exact: true }).waitFor();
  await page.locator(".loading").waitFor({ state: "detached" });
}

describe("administration, as an admin", () => {
  let browser, owner, admin;
  before(async () => {
    browser = await launch();
    owner = await signedInPage(browser);
    admin = await signedInPage(browser, { username: ADMIN, password: PASSWORD });
  });
  after(async () => browser?.close());

  it("creates a trunk from a carrier preset, with a write-only password", async () => {
    await openAdmin(admin, "trunks", "Trunks");
    await admin.getByRole("button", { name: "New trunk" }).first().click();
    const dialog = admin.getByRole("dialog", { name: "New trunk" });
    await dialog.getByRole("button", { name: "Telnyx" }).click();
    assert.equal(await dialog.getByLabel("SIP address").inputValue(), "sip.telnyx.com");
    assert.equal(await dialog.getByLabel("Transport").inputValue(), "tls");
    assert.ok(await dialog.getByLabel("G722").isChecked(), "Telnyx offers G722");
    assert.ok(await dialog.getByLabel("Carrier accepts SIP REFER (transfers)").isChecked());
    const name = uniqueName("Telnyx");
    await dialog.getByLabel("Name", { exact: true }).fill(name);
    await dialog.getByLabel("Username", { exact: true }).fill("acme");
    await dialog.getByRole("button", { name: "Set" }).first().click();
    await dialog.getByLabel("Password", { exact: true }).fill("s3cret-out");
    await dialog.getByLabel("Most calls at once").fill("0");
    await dialog.getByRole("button", { name: "Create trunk" }).click();
    // The server's refusal is shown on its field, and nothing typed is lost.
    await dialog.locator(".field-error").first().waitFor();
    assert.equal(await dialog.getByLabel("Name", { exact: true }).inputValue(), name);
    await dialog.getByLabel("Most calls at once").fill("4");
    await dialog.getByRole("button", { name: "Create trunk" }).click();
    const row = admin.getByRole("row").filter({ hasText: name });
    await row.waitFor();
    assert.match(await row.innerText(), /sip\.telnyx\.com \(TLS\)/);
    assert.match(await row.innerText(), /In sync|Pending|Sync failed/);
    const trunk = (await apiCall(admin, "GET", "/trunks")).body.find((t) => t.name === name);
    assert.equal(trunk.has_password, true);
    assert.equal(trunk.password, undefined, "the password is never sent back");
    await row.getByRole("button", { name: "Edit" }).click();
    const edit = admin.getByRole("dialog", { name: `Edit ${name}` });
    assert.equal(await edit.locator(".secret-row .badge").first().innerText(), "set");
    await edit.getByRole("button", { name: "Cancel" }).click();
    await row.getByRole("button", { name: "Sync now" }).click();
    await admin.getByText(`Syncing ${name} with LiveKit`).waitFor();
    await snapshot(admin, "admin-trunks");
  });

  it("places a test call from a trunk's number, and says why it is refused", async () => {
    const trunk = await apiCall(admin, "POST", "/trunks", { name: uniqueName("Outbound"), address: "sip.example.com", direction: "outbound" });
    const e164 = uniqueNumber();
    assert.equal((await apiCall(admin, "POST", "/numbers", { e164, trunk_id: trunk.body.id })).status, 201);
    await openAdmin(admin, "trunks", "Trunks");
    await admin.getByRole("row").filter({ hasText: trunk.body.name }).getByRole("button", { name: "Test call" }).click();
    const dialog = admin.getByRole("dialog", { name: `Test call through ${trunk.body.name}` });
    assert.equal(await dialog.getByLabel("From").inputValue(), String((await apiCall(admin, "GET", "/numbers")).body.find((n) => n.e164 === e164).id));
    await dialog.getByLabel("Call").fill("+15550123");
    await dialog.getByRole("button", { name: "Place test call" }).click();
    // This tier has no LiveKit and the number no pipeline: the refusal says so, in words.
    const refusal = await dialog.getByRole("alert").innerText();
    assert.match(refusal, /LiveKit server with SIP; none is configured|no pipeline/);
    assert.ok(await dialog.getByLabel("Call").isVisible(), "the form stays, with what was typed");
    await snapshot(admin, "admin-test-call");
    await dialog.getByRole("button", { name: "Cancel" }).click();
  });

  it("adds a number pinned to a version, with the workspace's voice models", async () => {
    const pipeline = await createPipeline(owner, uniqueName("Pinned"), (graph) => {
      graph.nodes.push({ id: "say", type: "say", position: { x: 400, y: 200 }, data: { config: { text: "Hello" } } });
      graph.edges.push({ id: "e1", source: "start", sourceHandle: "out", target: "say", targetHandle: "in" });
    });
    for (const note of ["v1", "v2"]) {
      const published = await apiCall(owner, "POST", `/pipelines/${pipeline.id}/publish`, { note });
      assert.equal(published.status, 201, JSON.stringify(published.body));
    }
    const stt = await apiCall(admin, "POST", "/voice-models", { name: uniqueName("Whisper"), kind: "asr", provider: "local_whisper" });
    const tts = await apiCall(admin, "POST", "/voice-models", { name: uniqueName("Espeak"), kind: "tts", provider: "local_espeak" });
    const trunk = await apiCall(admin, "POST", "/trunks", { name: uniqueName("Number trunk"), direction: "inbound" });
    assert.equal(trunk.status, 201);

    await openAdmin(admin, "numbers", "Numbers");
    await admin.getByRole("button", { name: "New number" }).first().click();
    const dialog = admin.getByRole("dialog", { name: "New number" });
    await dialog.getByLabel("Phone number").fill("12");
    await dialog.getByRole("button", { name: "Create number" }).click();
    await dialog.getByText(/E\.164 form/).first().waitFor();
    assert.equal(await dialog.getByLabel("Phone number").getAttribute("aria-invalid"), "true");
    const e164 = uniqueNumber();
    await dialog.getByLabel("Phone number").fill(e164);
    await dialog.getByLabel("Trunk").selectOption({ label: trunk.body.name });
    await dialog.getByLabel("Pipeline").selectOption({ label: (await apiCall(owner, "GET", `/pipelines/${pipeline.id}`)).body.name });
    await dialog.getByLabel("Version").locator("option", { hasText: "Pinned to v1" }).waitFor({ state: "attached" });
    await dialog.getByLabel("Version").selectOption({ label: "Pinned to v1 — v1" });
    await dialog.getByLabel("Speech-to-text").selectOption({ label: stt.body.name });
    await dialog.getByLabel("Text-to-speech").selectOption({ label: tts.body.name });
    await dialog.getByLabel("Most calls at once").fill("2");
    await dialog.getByLabel("Callers interrupt the agent by").selectOption({ label: "Pressing a key" });
    await dialog.getByLabel("Sensitivity to the caller's voice").selectOption({ label: "Low: only sustained, clear speech" });
    await snapshot(admin, "admin-number-dialog");
    await dialog.getByRole("button", { name: "Create number" }).click();
    const row = admin.getByRole("row").filter({ hasText: e164 });
    await row.waitFor();
    assert.match(await row.innerText(), /pinned v1/);
    assert.match(await row.innerText(), new RegExp(stt.body.name));
    const number = (await apiCall(admin, "GET", "/numbers")).body.find((n) => n.e164 === e164);
    assert.deepEqual(
      [number.pinned_version, number.asr_model_id, number.tts_model_id, number.max_concurrent_calls],
      [1, stt.body.id, tts.body.id, 2],
    );
    assert.deepEqual([number.barge_in_mode, number.barge_in_sensitivity], ["dtmf", "low"]);
    await snapshot(admin, "admin-numbers");
  });

  it("adds an LLM from the local-server preset, tests its connection and makes it the default", async () => {
    assert.ok(LOCAL_LLM_URL, "BETOOL_LOCAL_LLM_URL names the loopback OpenAI-compatible fake");
    await openAdmin(admin, "voice-models", "Voice models");
    await admin.getByRole("button", { name: "Add a voice model" }).first().click();
    const dialog = admin.getByRole("dialog", { name: "Add a voice model" });
    await dialog.getByRole("button", { name: /Local server \(llama\.cpp, Ollama, vLLM/ }).click();
    assert.equal(await dialog.getByLabel("Base URL").inputValue(), "http://127.0.0.1:8080/v1");
    await dialog.getByLabel("Base URL").fill(LOCAL_LLM_URL);
    const name = uniqueName("Local llama");
    await dialog.getByLabel("Name", { exact: true }).fill(name);
    await dialog.getByRole("button", { name: "Load the provider's catalog" }).click();
    await dialog.getByText(/Connected: \d+ models and voices available/).waitFor();
    await dialog.getByLabel("Model").fill("gpt-4o-mini");
    await snapshot(admin, "admin-voice-model-dialog");
    await dialog.getByRole("button", { name: "Add voice model" }).click();
    const row = admin.getByRole("row").filter({ hasText: name });
    await row.waitFor();
    await row.getByRole("button", { name: "Test connection" }).click();
    await row.getByText(/✓ Connected: .* · \d+ ms/).waitFor();
    await row.getByRole("button", { name: "Make default" }).click();
    await row.getByText("workspace default").waitFor();
    const listed = (await apiCall(admin, "GET", "/voice-models")).body;
    assert.deepEqual(listed.filter((m) => m.is_default).map((m) => m.name), [name]);
    assert.equal(Number(listed.find((m) => m.name === name).usage.total), 0, "its counters are its own");
    await snapshot(admin, "admin-voice-models");
    // The other browser files share this workspace; the newcomer's starts with no language model.
    const removed = await apiCall(admin, "DELETE", `/voice-models/${listed.find((m) => m.name === name).id}`);
    assert.equal(removed.status, 204);
  });

  it("invites a member, who opens the link, chooses a password and is signed in", async () => {
    await openAdmin(admin, "members", "Members");
    await admin.getByRole("button", { name: "Invite a member" }).click();
    const dialog = admin.getByRole("dialog", { name: "Invite a member" });
    await dialog.getByLabel("Role").selectOption("finance");
    assert.equal(await dialog.getByLabel("Role").locator("option", { hasText: "Owner" }).count(), 0, "an admin cannot invite an owner");
    await dialog.getByRole("button", { name: "Create invitation link" }).click();
    const link = await dialog.getByTestId("once-value").innerText();
    assert.match(link, /\/invite\/[\w-]+\/$/);
    await snapshot(admin, "admin-invite");
    await dialog.getByRole("button", { name: "Done" }).click();

    const invitee = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await invitee.goto(link);
    await invitee.getByRole("heading", { name: /Join/ }).waitFor();
    const username = uniqueName("fiona").replace(/\s/g, "-");
    await invitee.getByLabel("Username").fill(username);
    await invitee.getByLabel("Password").fill("a-long-password-1");
    await snapshot(invitee, "invite-accept");
    await invitee.getByRole("button", { name: "Join and sign in" }).click();
    await invitee.waitForURL((url) => !url.pathname.startsWith("/invite"));
    const me = await apiCall(invitee, "GET", "/me");
    assert.deepEqual([me.body.username, me.body.role], [username, "finance"]);
    await invitee.context().close();

    await admin.reload();
    const row = admin.getByRole("row").filter({ hasText: username });
    await row.waitFor();
    await row.getByRole("button", { name: `Remove ${username}` }).click();
    await admin.getByRole("dialog", { name: `Remove ${username}?` }).getByRole("button", { name: "Remove member" }).click();
    await row.waitFor({ state: "detached" });
  });

  it("cannot change or remove the owner", async () => {
    await openAdmin(admin, "members", "Members");
    const row = admin.getByRole("row").filter({ hasText: "owner@example.com" });
    assert.ok(await row.getByLabel(/Role of owner/).isDisabled());
    assert.ok(await row.getByRole("button", { name: "Remove owner" }).isDisabled());
    assert.ok(await row.getByText("Only an owner can change an owner.").isVisible());
    const ownerId = (await apiCall(admin, "GET", "/members")).body.find((m) => m.username === "owner").id;
    assert.equal((await apiCall(admin, "PATCH", `/members/${ownerId}`, { role: "designer" })).status, 403);
    assert.equal((await apiCall(admin, "DELETE", `/members/${ownerId}`)).status, 403);
    await snapshot(admin, "admin-members");
  });

  it("creates a token shown once, uses it with a plain HTTP request, and revokes it", async () => {
    await openAdmin(admin, "tokens", "API tokens");
    const name = uniqueName("CRM sync");
    await admin.getByLabel("Name", { exact: true }).fill(name);
    await admin.getByRole("button", { name: "Create token" }).click();
    const token = await admin.getByTestId("once-value").innerText();
    assert.match(token, /^btk_/);
    const asScript = () => fetch(`${BASE_URL}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
    const me = await asScript();
    assert.equal(me.status, 200);
    assert.equal((await me.json()).username, ADMIN);
    await admin.reload();
    const row = admin.getByRole("row").filter({ hasText: name });
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(token.slice(0, 12).replace(/[-]/g, "\\-")));
    assert.doesNotMatch(await admin.locator("main").innerText(), new RegExp(token.slice(12)));
    await snapshot(admin, "admin-tokens");
    await row.getByRole("button", { name: `Revoke ${name}` }).click();
    await admin.getByRole("dialog", { name: `Revoke ${name}?` }).getByRole("button", { name: "Revoke token" }).click();
    await row.waitFor({ state: "detached" });
    assert.equal((await asScript()).status, 401);
  });

  it("creates a workspace, lands in it, and switches back", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signedInPage(browser, { username: ADMIN, password: PASSWORD });
    await openAdmin(page, "workspace", "Workspace");
    assert.ok(await page.getByText("Read only: the workspace's owners change its settings.").isVisible());
    const name = uniqueName("Side project");
    await page.getByLabel("Workspace name").fill(name);
    await page.getByRole("button", { name: "Create and switch" }).click();
    await page.locator(".topbar").getByText(name).waitFor();
    await page.getByRole("heading", { name: "Workspace", level: 2, exact: true }).waitFor();
    // The admin owns the new workspace: its settings are theirs to change.
    await page.getByLabel("Time zone").selectOption("Europe/Paris");
    await page.getByLabel("Stop new calls").uncheck();
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Workspace settings saved").waitFor();
    const settings = (await apiCall(page, "GET", "/workspace")).body;
    assert.deepEqual([settings.name, settings.time_zone, settings.stop_calls_at_zero_balance], [name, "Europe/Paris", false]);
    await snapshot(page, "admin-workspace");
    await page.getByRole("button", { name: "Switch to Browser tests" }).click();
    await page.locator(".topbar").getByText("Browser tests").waitFor();
    assert.equal((await apiCall(page, "GET", "/me")).body.role, "admin");
    await page.context().close();
    await context.close();
  });

  it("sets a dated price and deletes it", async () => {
    await openAdmin(admin, "prices", "Prices");
    await admin.getByLabel("Usage").selectOption("call_seconds");
    await admin.getByLabel("Credits").fill("180");
    await admin.getByLabel("From").fill("2031-01-01");
    const note = uniqueName("Rate card");
    await admin.getByLabel("Note").fill(note);
    await admin.getByRole("button", { name: "Set price" }).click();
    const row = admin.getByRole("row").filter({ hasText: note });
    await row.waitFor();
    assert.match(await row.innerText(), /Call time[\s\S]*180[\s\S]*2031-01-01/);
    await snapshot(admin, "admin-prices");
    await row.getByRole("button", { name: /Delete the price/ }).click();
    await admin.getByRole("dialog", { name: "Delete this price?" }).getByRole("button", { name: "Delete price" }).click();
    await row.waitFor({ state: "detached" });
  });
});

describe("administration, for the roles that may not change it", () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => browser?.close());

  const tabsOf = async (page) => {
    await page.goto(`${BASE_URL}/administration`);
    await page.getByRole("navigation", { name: "Administration" }).waitFor();
    return page.getByRole("navigation", { name: "Administration" }).getByRole("link").allInnerTexts();
  };

  it("shows a designer voice models read only, and no telephony, members or prices", async () => {
    const page = await signedInPage(browser, { username: DESIGNER, password: process.env.BETOOL_DESIGNER_PASSWORD ?? PASSWORD });
    assert.deepEqual(await tabsOf(page), ["Voice models", "API tokens", "Workspace"]);
    await openAdmin(page, "voice-models", "Voice models");
    assert.ok(await page.getByText("Read only: owners and admins add and change voice models.").isVisible());
    assert.equal(await page.getByRole("button", { name: "Add a voice model" }).count(), 0);
    assert.equal(await page.getByRole("button", { name: "Test connection" }).count(), 0);
    await snapshot(page, "admin-designer-voice-models");
    await page.goto(`${BASE_URL}/administration/trunks`);
    await page.getByText(/Your role \(Designer\) cannot open this page/).waitFor();
    for (const [method, path, body] of [
      ["GET", "/trunks"],
      ["GET", "/members"],
      ["POST", "/voice-models", { name: "x", kind: "tts", provider: "local_espeak" }],
      ["POST", "/prices", { kind: "call_seconds", credits: "1", effective_from: "2031-01-01" }],
      ["PATCH", "/workspace", { name: "Taken over" }],
    ]) {
      assert.equal((await apiCall(page, method, path, body)).status, 403, `${method} ${path}`);
    }
    await page.context().close();
  });

  it("shows finance the prices read only, and no telephony, voice models or members", async () => {
    const page = await signedInPage(browser, { username: FINANCE, password: PASSWORD });
    assert.deepEqual(await tabsOf(page), ["API tokens", "Workspace", "Prices"]);
    await openAdmin(page, "prices", "Prices");
    assert.ok(await page.getByText("Read only: owners and admins change prices.").isVisible());
    assert.equal(await page.getByRole("button", { name: "Set price" }).count(), 0);
    await snapshot(page, "admin-finance-prices");
    await openAdmin(page, "workspace", "Workspace");
    assert.ok(await page.getByLabel("Time zone").isDisabled());
    for (const [method, path, body] of [
      ["GET", "/numbers"],
      ["GET", "/voice-models"],
      ["POST", "/prices", { kind: "call_seconds", credits: "1", effective_from: "2031-01-01" }],
      ["POST", "/invites", { role: "finance" }],
    ]) {
      assert.equal((await apiCall(page, method, path, body)).status, 403, `${method} ${path}`);
    }
    await page.context().close();
  });
});
