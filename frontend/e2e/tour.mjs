/** A screenshot tour of every page, for a person to review (not a test: it asserts nothing).
 *
 *   node e2e/tour.mjs <folder> [--populate]   BETOOL_URL, BETOOL_PASSWORD as for the browser tests
 *
 * --populate first adds a trunk, a number, a voice model, a token, a webhook and an invitation
 * (to a review server, not one whose data matters).
 *
 * Signs in as each demo member at 1366x768 (a common laptop screen), opens every page their
 * role has and the main dialogs, and saves `<member>-<page>.png` (the viewport, what a person
 * sees first) and `<member>-<page>-full.png` where the page scrolls. The console's errors and
 * the API's refusals along the way are written to `<folder>/tour.log`: a refusal a page does not
 * show in words is a finding too. */
import { mkdirSync, writeFileSync } from "node:fs";
import { apiCall, BASE_URL, launch, PASSWORD } from "./browser.mjs";

const folder = process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : "shots";
mkdirSync(folder, { recursive: true });
const log = [];
const VIEWPORT = { width: 1366, height: 768 };

const PAGES = ["/pipelines", "/calls", "/campaigns", "/campaigns/do-not-call", "/finance", "/administration/trunks", "/administration/numbers", "/administration/voice-models", "/administration/members", "/administration/webhooks", "/administration/tokens", "/administration/workspace", "/administration/prices", "/no-such-page"];

/** Dialogs and forms behind a page's main button: [page, button name, shot name]. */
const OPENERS = [
  ["/pipelines", "New pipeline", "pipelines-new"],
  ["/administration/trunks", "New trunk", "trunks-new"],
  ["/administration/numbers", "New number", "numbers-new"],
  ["/administration/voice-models", "Add a voice model", "voice-models-new"],
  ["/administration/members", "Invite a member", "members-invite"],
  ["/campaigns", "New campaign", "campaigns-new"],
  ["/finance", "Add credits", "finance-add-credits"],
];

const slug = (path) => path.replace(/^\//, "").replace(/[^\w-]+/g, "-") || "home";

async function settle(page) {
  await page.waitForLoadState("networkidle").catch(() => {});
  await page.locator(".loading").first().waitFor({ state: "detached", timeout: 8000 }).catch(() => {});
  await page.waitForTimeout(300);
}

async function shoot(page, name) {
  await page.screenshot({ path: `${folder}/${name}.png` });
  // The app scrolls inside <main> (and dialogs inside themselves): a taller window shows it all.
  const overflow = await page.evaluate(() => Math.max(...[...document.querySelectorAll("main, .dialog-body, .dialog")].map((el) => el.scrollHeight - el.clientHeight), 0));
  if (overflow > 4) {
    await page.setViewportSize({ width: VIEWPORT.width, height: VIEWPORT.height + overflow });
    await page.waitForTimeout(200);
    await page.screenshot({ path: `${folder}/${name}-full.png` });
    await page.setViewportSize(VIEWPORT);
  }
}

/** Something in each list, made through the API, so that rows are reviewed as well as empty states. */
async function populate(page) {
  const call = (method, path, body) => apiCall(page, method, path, body);
  const pipelines = (await call("GET", "/pipelines")).body;
  const trunk = (await call("POST", "/trunks", { name: "Tour carrier with a rather long name", address: "sip.example-carrier.com:5061", direction: "both" })).body;
  await call("POST", "/numbers", { e164: `+1555${String(Date.now()).slice(-7)}`, label: "Main line, front desk", trunk_id: trunk.id, pipeline_id: pipelines[0]?.id ?? null });
  await call("POST", "/voice-models", { name: "Tour espeak", kind: "tts", provider: "local_espeak" });
  await call("POST", "/tokens", { name: "CRM sync" });
  await call("POST", "/webhooks/endpoints", { url: "https://crm.example.com/hooks/betool", events: ["call.ended"], description: "CRM" });
  await call("POST", "/invites", { role: "designer", email: "new.designer@example.com" });
}

async function member(browser, username) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && log.push(`${username} ${page.url()} console: ${m.text()}`));
  page.on("pageerror", (e) => log.push(`${username} ${page.url()} page error: ${e.message}`));
  page.on("response", (r) => r.url().includes("/api/") && r.status() >= 400 && log.push(`${username} ${page.url()} ${r.request().method()} ${r.url()} → ${r.status()}`));
  await page.goto(`${BASE_URL}/login/`);
  if (username === "owner") await shoot(page, "login");
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', PASSWORD);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/login")), page.click('button[type="submit"], input[type="submit"]')]);
  return page;
}

const browser = await launch();
try {
  for (const username of ["owner", "admin", "designer", "finance"]) {
    const page = await member(browser, username);
    if (username === "owner" && process.argv.includes("--populate")) await populate(page);
    await settle(page);
    await shoot(page, `${username}-home`);
    for (const path of PAGES) {
      await page.goto(`${BASE_URL}${path}`);
      await settle(page);
      await shoot(page, `${username}-${slug(path)}`);
    }
    if (username !== "owner") continue;
    for (const [path, button, name] of OPENERS) {
      await page.goto(`${BASE_URL}${path}`);
      await settle(page);
      const opener = page.getByRole("button", { name: button }).first();
      if (!(await opener.isVisible().catch(() => false))) {
        log.push(`owner ${path}: no visible button "${button}"`);
        continue;
      }
      await opener.click();
      await settle(page);
      await shoot(page, `owner-${name}`);
    }
    // The editor and a call's page, from the first of each in the lists.
    await page.goto(`${BASE_URL}/pipelines`);
    await settle(page);
    const pipeline = page.locator('a[href^="/pipelines/"]').first();
    if (await pipeline.count()) {
      await pipeline.click();
      await page.waitForSelector(".react-flow__node", { timeout: 15000 }).catch(() => {});
      await settle(page);
      await shoot(page, "owner-editor");
      await page.locator(".react-flow__node").first().click().catch(() => {});
      await settle(page);
      await shoot(page, "owner-editor-inspector");
    }
    await page.goto(`${BASE_URL}/calls`);
    await settle(page);
    const call = page.locator('a[href^="/calls/"]').first();
    if (await call.count()) {
      await call.click();
      await settle(page);
      await shoot(page, "owner-call-detail");
    }
  }
} finally {
  await browser.close();
  writeFileSync(`${folder}/tour.log`, log.join("\n") + "\n");
}
console.log(`screenshots in ${folder}; ${log.length} lines in ${folder}/tour.log`);
