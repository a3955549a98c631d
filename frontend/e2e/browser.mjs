/** Shared set-up for the browser tests: Debian's Chromium through playwright-core, signed in. */
import { chromium } from "playwright-core";

export const BASE_URL = (process.env.BETOOL_URL ?? "http://127.0.0.1:8000").replace(/\/$/, "");
export const USERNAME = process.env.BETOOL_USERNAME ?? "owner";
export const PASSWORD = process.env.BETOOL_PASSWORD ?? "";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** A page signed in through Django's login form, at 1280x800 unless `viewport` says otherwise. */
export async function signedInPage(browser, { username = USERNAME, password = PASSWORD, viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/login/`);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/login")), page.click('button[type="submit"], input[type="submit"]')]);
  return page;
}

/** The API with the page's session: JSON in and out, CSRF header set. */
export async function apiCall(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const csrf = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="))?.split("=")[1] ?? "";
      const response = await fetch(`/api${path}`, {
        method,
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    { method, path, body },
  );
}

/** A pipeline made through the API for one test, with an optional graph edit; removed by the caller. */
export async function createPipeline(page, name, editGraph) {
  const created = await apiCall(page, "POST", "/pipelines", { name });
  if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  let { id, revision, graph } = created.body;
  if (editGraph) {
    editGraph(graph);
    const saved = await apiCall(page, "PUT", `/pipelines/${id}/draft`, { graph, revision });
    if (saved.status !== 200) throw new Error(`draft save failed: ${JSON.stringify(saved.body)}`);
    revision = saved.body.revision;
  }
  return { id, revision, graph };
}

export async function deletePipeline(page, id) {
  await apiCall(page, "DELETE", `/pipelines/${id}`);
}

export const uniqueName = (prefix) => `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

/** Screenshots for a person to look at, when BETOOL_SCREENSHOTS names a folder. */
export async function snapshot(page, name) {
  const folder = process.env.BETOOL_SCREENSHOTS;
  if (folder) await page.screenshot({ path: `${folder}/${name}.png` });
}

/** The pipeline's saved draft, read back through the API. */
export async function draft(page, id) {
  return (await apiCall(page, "GET", `/pipelines/${id}`)).body.graph;
}

/** Until the editor says every change is saved. */
export async function waitSaved(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid="save-status"]')?.getAttribute("data-state") === "saved", null, { timeout: 10000 });
}

/** Presses on one element and lets go on another, moving like a hand does. */
export async function dragBetween(page, from, to) {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

export async function openEditor(page, id) {
  await page.goto(`${BASE_URL}/pipelines/${id}`);
  await page.waitForSelector(".react-flow__node");
}
