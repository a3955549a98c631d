import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiCall, BASE_URL, launch, signedInPage, snapshot } from "./browser.mjs";

// tests/browser/seed_calls.py records the transferred call: the agent greets at 1.2 s, the
// caller speaks at 5 s, the agent answers at 8.2 s; its turns begin at 1 s and 8 s.
const SUPPORT_NUMBER = "+15550100";

async function recordedCallId(page) {
  const found = await apiCall(page, "GET", `/calls?number=${encodeURIComponent(SUPPORT_NUMBER)}&outcome=transferred`);
  return found.status === 200 && found.body.items.length === 1 ? found.body.items[0].id : null;
}

describe("call recording", () => {
  let browser, page, callId;
  before(async () => {
    browser = await launch();
    page = await signedInPage(browser);
    callId = await recordedCallId(page);
  });
  after(async () => browser?.close());

  it("plays the recording over its waveform, the transcript following it", async (t) => {
    if (!callId) return t.skip("no seeded recording on this server (run through tests/browser)");
    await page.goto(`${BASE_URL}/calls/${callId}`);
    const player = page.getByTestId("recording-player");
    await player.waitFor();
    await player.getByText("Caller and agent, two channels").waitFor();
    await player.getByText("0:00 / 1:35").waitFor();
    const wave = player.getByRole("slider", { name: "Position in the recording" });
    const box = await wave.boundingBox();
    assert.ok(box && box.width > 400 && box.height > 50, `the waveform is drawn at ${JSON.stringify(box)}`);
    // The agent's lane has sound where the seed put it, the silence after is flat.
    const lanes = await wave.evaluate((canvas) => {
      const context = canvas.getContext("2d");
      const column = (seconds) => {
        const x = Math.floor((seconds / 95) * canvas.width);
        const pixels = context.getImageData(x, 0, 1, canvas.height).data;
        let caller = 0;
        let agent = 0;
        for (let y = 0; y < canvas.height; y++) if (pixels[y * 4 + 3] > 0) y < canvas.height / 2 ? caller++ : agent++;
        return { caller, agent };
      };
      return { greeting: column(2.5), callerSpeaks: column(6.5), quiet: column(60) };
    });
    assert.ok(lanes.greeting.agent > 10 && lanes.greeting.caller < 3, JSON.stringify(lanes));
    assert.ok(lanes.callerSpeaks.caller > 10 && lanes.callerSpeaks.agent < 3, JSON.stringify(lanes));
    assert.ok(lanes.quiet.caller < 3 && lanes.quiet.agent < 3, JSON.stringify(lanes));

    const turns = page.getByTestId("call-turn");
    assert.equal(await page.locator("[data-testid=call-turn][aria-current=true]").count(), 0);
    // Play from the caller's turn: the player jumps there and the turn is highlighted.
    await turns.nth(1).getByRole("button", { name: "Play the recording from 0:08" }).click();
    await player.getByRole("button", { name: "Pause the recording" }).waitFor();
    const current = page.locator("[data-testid=call-turn][aria-current=true]");
    await current.getByText("I need to speak to a person").waitFor();
    await page.waitForFunction(() => /^0:(09|1\d)/.test(document.querySelector("[data-testid=recording-player] .mono")?.textContent ?? ""));
    assert.ok(await player.isVisible(), "the player stays in view while the transcript follows");
    await snapshot(page, "call-recording-playing");
    await player.getByRole("button", { name: "Pause the recording" }).click();

    // Back to the greeting by clicking the waveform's start: the first turn is highlighted.
    await wave.click({ position: { x: Math.round(box.width * (1.5 / 95)), y: 10 } });
    await page.locator("[data-testid=call-turn][aria-current=true]").getByText("Thanks for calling Acme. How can I help?").waitFor();
  });

  it("downloads it for an owner, and logs every play and download", async (t) => {
    if (!callId) return t.skip("no seeded recording on this server");
    await page.goto(`${BASE_URL}/calls/${callId}`);
    const player = page.getByTestId("recording-player");
    const download = player.getByRole("link", { name: "Download" });
    const href = await download.getAttribute("href");
    assert.equal(href, `/api/calls/${callId}/recording/download`);
    const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
    assert.equal(file.suggestedFilename(), `call-${callId}.ogg`);
    const path = await file.path();
    const { readFile } = await import("node:fs/promises");
    assert.equal((await readFile(path)).subarray(0, 4).toString(), "OggS");

    await page.reload();
    await player.getByText(/Access log · \d+/).waitFor();
    const details = player.locator("details.recording-access");
    if (!(await details.evaluate((d) => d.open))) await details.locator("summary").click();
    const log = page.getByTestId("recording-accesses");
    await log.getByRole("cell", { name: "Downloaded" }).first().waitFor();
    await log.getByRole("cell", { name: "Played" }).first().waitFor();
    assert.ok((await log.getByRole("cell", { name: "owner" }).count()) >= 2);
    await snapshot(page, "call-recording-access-log");
  });

  it("lets a designer listen, not download or read the log", async (t) => {
    if (!callId || !process.env.BETOOL_DESIGNER_USERNAME) return t.skip("no designer on this server");
    const designer = await signedInPage(browser, { username: process.env.BETOOL_DESIGNER_USERNAME, password: process.env.BETOOL_DESIGNER_PASSWORD });
    await designer.goto(`${BASE_URL}/calls/${callId}`);
    const player = designer.getByTestId("recording-player");
    await player.getByRole("button", { name: "Play the recording" }).waitFor();
    assert.equal(await player.getByRole("link", { name: "Download" }).count(), 0);
    assert.equal(await player.getByText(/Access log/).count(), 0);
    const refused = await apiCall(designer, "GET", `/calls/${callId}/recording/download`);
    assert.equal(refused.status, 403);
    await designer.context().close();
  });
});
