/** What the screenshot review of every page found, kept found: at a laptop's 1366x768, text a
 * person chooses by is not cut off, no node of a ready-made flow hides another, and an address
 * outside the member's role says why and leads back (not the API's permission codes). */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiCall, BASE_URL, deletePipeline, launch, PASSWORD, signedInPage, snapshot, uniqueName } from "./browser.mjs";

const LAPTOP = { width: 1366, height: 768 };
const DESIGNER = process.env.BETOOL_DESIGNER_USERNAME ?? "designer";
const FINANCE = process.env.BETOOL_FINANCE_USERNAME ?? "finance";

/** Whether the element shows all of its text (nothing clipped by an ellipsis or a line clamp). */
const showsAllText = (locator) => locator.evaluate((el) => el.scrollHeight <= el.clientHeight + 1 && el.scrollWidth <= el.clientWidth + 1);

const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe("the screenshot review, as a person sees it", () => {
  let browser, owner;
  before(async () => {
    browser = await launch();
    owner = await signedInPage(browser, { viewport: LAPTOP });
  });
  after(async () => browser?.close());

  it("shows each template's whole description in the new-pipeline dialog", async () => {
    await owner.goto(`${BASE_URL}/pipelines`);
    await owner.getByRole("button", { name: "New pipeline" }).first().click();
    const dialog = owner.getByRole("dialog", { name: "New pipeline" });
    const templates = (await apiCall(owner, "GET", "/pipelines/templates")).body;
    assert.ok(templates.length > 0);
    for (const template of templates) {
      const text = dialog.getByRole("button", { name: template.name }).locator("span");
      assert.equal(await text.innerText(), template.description);
      assert.ok(await showsAllText(text), `the description of ${template.name} is cut off`);
    }
    await snapshot(owner, "review-new-pipeline");
    await dialog.getByRole("button", { name: "Cancel" }).click();
  });

  it("shows a pipeline's description in full in the list, when it fits two lines", async () => {
    const description = "Answers the main line after hours: takes the caller's name and number, says when the office opens, and hangs up.";
    const created = await apiCall(owner, "POST", "/pipelines", { name: uniqueName("After hours"), description });
    try {
      await owner.goto(`${BASE_URL}/pipelines`);
      const shown = owner.getByRole("row").filter({ hasText: created.body.name }).locator(".pipeline-description");
      assert.equal(await shown.getAttribute("title"), description);
      assert.ok(await showsAllText(shown), "the description is cut off");
    } finally {
      await deletePipeline(owner, created.body.id);
    }
  });

  it("opens every template with no node on top of another", async () => {
    for (const template of (await apiCall(owner, "GET", "/pipelines/templates")).body) {
      const created = await apiCall(owner, "POST", "/pipelines", { name: uniqueName(template.name), template: template.key });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      try {
        await owner.goto(`${BASE_URL}/pipelines/${created.body.id}`);
        const nodes = owner.locator(".react-flow__node");
        await nodes.first().waitFor();
        await owner.waitForFunction((n) => document.querySelectorAll(".react-flow__node").length === n, created.body.graph.nodes.length);
        const boxes = await nodes.evaluateAll((els) => els.map((el) => ({ label: el.innerText.split("\n")[0], ...el.getBoundingClientRect().toJSON() })));
        for (const [i, a] of boxes.entries()) {
          for (const b of boxes.slice(i + 1)) assert.ok(!overlap(a, b), `${template.name}: "${a.label}" and "${b.label}" overlap`);
        }
        await snapshot(owner, `review-template-${template.key}`);
      } finally {
        await deletePipeline(owner, created.body.id);
      }
    }
  });

  it("keeps a row's buttons on one line beside a long trunk", async () => {
    const trunk = await apiCall(owner, "POST", "/trunks", { name: uniqueName("A carrier with a rather long name"), address: "sip.example-carrier.com:5061", direction: "both" });
    assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
    try {
      await owner.goto(`${BASE_URL}/administration/trunks`);
      const row = owner.getByRole("row").filter({ hasText: trunk.body.name });
      await row.waitFor();
      const tops = await row.getByRole("button").evaluateAll((buttons) => buttons.map((b) => Math.round(b.getBoundingClientRect().top)));
      assert.equal(tops.length, 4, "Sync now, Test call, Edit, Delete");
      assert.ok(Math.max(...tops) - Math.min(...tops) <= 2, `the buttons sit on several lines: ${tops}`);
      await snapshot(owner, "review-trunk-row");
    } finally {
      await apiCall(owner, "DELETE", `/trunks/${trunk.body.id}`);
    }
  });

  it("tells a member at an address outside their role why, and leads back", async () => {
    const cases = [
      [DESIGNER, "/finance", "Designer", /\/pipelines$/],
      [FINANCE, "/pipelines", "Finance", /\/finance$/],
    ];
    for (const [username, path, role, home] of cases) {
      const page = await signedInPage(browser, { username, password: PASSWORD, viewport: LAPTOP });
      await page.goto(`${BASE_URL}${path}`);
      await page.getByRole("heading", { name: "Not open to your role", level: 1 }).waitFor();
      const notice = await page.getByRole("alert").innerText();
      assert.match(notice, new RegExp(`Your role \\(${role}\\) cannot open this page`));
      assert.doesNotMatch(notice, /\.view/, "no permission code");
      await snapshot(page, `review-no-access-${username}`);
      await page.getByRole("link", { name: "Go to your start page" }).click();
      await page.waitForURL(home);
      await page.context().close();
    }
  });

  it("keeps Administration's tabs on a page the role may not open", async () => {
    const page = await signedInPage(browser, { username: DESIGNER, password: PASSWORD, viewport: LAPTOP });
    await page.goto(`${BASE_URL}/administration/trunks`);
    await page.getByText(/Your role \(Designer\) cannot open this page/).waitFor();
    const tabs = page.getByRole("navigation", { name: "Administration" });
    assert.ok(await tabs.isVisible());
    await tabs.getByRole("link", { name: "API tokens" }).click();
    await page.getByRole("heading", { name: "API tokens", level: 2 }).waitFor();
    await page.context().close();
  });
});
