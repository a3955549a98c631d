/**
 * Editor responsiveness on graphs of growing size, in Debian's Chromium against a running betool.
 *
 * For 25, 100 and 500 nodes: time to open the editor until every node is drawn (interactive),
 * frame times while dragging a node and, on the largest graph, while dragging 100 selected
 * nodes at once; time from a keystroke in the inspector to the node card showing it, and the
 * undo of a whole auto-layout. Figures are ratios measured in this one run (largest vs
 * smallest); nothing here fails on a number. Ends by printing one JSON line.
 *
 *   BETOOL_URL=http://127.0.0.1:8000 BETOOL_USERNAME=owner BETOOL_PASSWORD=… node bench/editor_canvas.mjs
 */
import { apiCall, BASE_URL, createPipeline, deletePipeline, launch, signedInPage } from "../frontend/e2e/browser.mjs";

const SIZES = (process.env.BENCH_SIZES ?? "25,100,500").split(",").map(Number);
const SELECTED_FOR_DRAG = 100;
const DRAG_STEPS = 40;

function chainGraph(graph, size) {
  const columns = Math.ceil(Math.sqrt(size));
  let previous = "start";
  for (let i = 1; i < size; i++) {
    const id = `say_${i}`;
    graph.nodes.push({
      id,
      type: "say",
      position: { x: 320 + (i % columns) * 260, y: Math.floor(i / columns) * 160 },
      data: { label: `Step ${i}`, config: { text: `Line ${i}: {{ exchange.user_message }}` } },
    });
    graph.edges.push({ id: `e${i}`, source: previous, sourceHandle: "out", target: id, targetHandle: "in" });
    previous = id;
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
const p95 = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0;
};

/** Frame intervals (ms) while dragging the node ``id`` (and whatever is selected with it). */
async function dragFrames(page, id) {
  const box = await page.locator(`.react-flow__node[data-id="${id}"]`).boundingBox();
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (now) => {
      window.__frames.push(now - last);
      last = now;
      if (window.__frames.length < 10000) window.__raf = requestAnimationFrame(tick);
    };
    window.__raf = requestAnimationFrame(tick);
  });
  const [grabX, grabY] = [box.x + box.width / 2, box.y + box.height / 4];
  await page.mouse.move(grabX, grabY);
  await page.mouse.down();
  for (let i = 1; i <= DRAG_STEPS; i++) await page.mouse.move(grabX + i * 4, grabY + i * 2);
  await page.mouse.up();
  return page.evaluate(() => {
    cancelAnimationFrame(window.__raf);
    return window.__frames.slice(1);
  });
}

/** Ctrl-click the nodes nearest the middle of the canvas until 100 are selected, then drag. */
async function dragManySelected(page) {
  const centres = await page.evaluate(() => {
    const pane = document.querySelector(".react-flow").getBoundingClientRect();
    const [cx, cy] = [pane.x + pane.width / 2, pane.y + pane.height / 2];
    return [...document.querySelectorAll('.react-flow__node[data-id^="say_"]')]
      .map((el) => {
        const r = el.getBoundingClientRect();
        return { id: el.getAttribute("data-id"), x: r.x + r.width / 2, y: r.y + r.height / 4, d: Math.hypot(r.x + r.width / 2 - cx, r.y + r.height / 2 - cy) };
      })
      .sort((a, b) => a.d - b.d);
  });
  await page.locator(".react-flow__pane").click({ position: { x: 5, y: 5 } }); // nothing selected
  await page.keyboard.down("Control");
  // A click can land on an overlay (minimap, controls): go on until 100 are selected.
  const countSelected = () => page.evaluate(() => document.querySelectorAll(".react-flow__node.selected").length);
  for (const node of centres) {
    await page.mouse.click(node.x, node.y);
    if ((await countSelected()) >= SELECTED_FOR_DRAG) break;
  }
  await page.keyboard.up("Control");
  const selected = await countSelected();
  const frames = await dragFrames(page, centres[0].id);
  return {
    drag_selected_nodes: selected,
    drag_selected_frame_ms_p50: Math.round(median(frames) * 10) / 10,
    drag_selected_frame_ms_p95: Math.round(p95(frames) * 10) / 10,
  };
}

async function measure(page, size) {
  const pipeline = await createPipeline(page, `bench editor ${size} ${Date.now()}`, (g) => chainGraph(g, size));
  try {
    const started = Date.now();
    await page.goto(`${BASE_URL}/pipelines/${pipeline.id}`);
    await page.waitForFunction((n) => document.querySelectorAll(".react-flow__node").length === n, size, { timeout: 120000 });
    const openMs = Date.now() - started;

    // Frame intervals while dragging one node across the canvas.
    // The node nearest the middle of the canvas: at the smallest zoom, big graphs do not fit.
    const target = await page.evaluate(() => {
      const pane = document.querySelector(".react-flow").getBoundingClientRect();
      const [cx, cy] = [pane.x + pane.width / 2, pane.y + pane.height / 2];
      let best = null;
      for (const el of document.querySelectorAll('.react-flow__node[data-id^="say_"]')) {
        const r = el.getBoundingClientRect();
        const d = Math.hypot(r.x + r.width / 2 - cx, r.y + r.height / 2 - cy);
        if (!best || d < best.d) best = { id: el.getAttribute("data-id"), d };
      }
      return best.id;
    });
    const frames = await dragFrames(page, target);

    // Keystroke in the inspector until the card on the canvas shows it.
    const text = page.getByRole("complementary", { name: "Inspector" }).getByLabel("Text");
    const typing = [];
    for (let i = 0; i < 10; i++) {
      const marker = `k${i}x`;
      const t0 = Date.now();
      await text.fill(`Line ${marker}`);
      await page.waitForFunction(([id, m]) => document.querySelector(`.react-flow__node[data-id="${id}"]`)?.textContent?.includes(m), [target, marker]);
      typing.push(Date.now() - t0);
    }

    // Auto-layout of the whole graph, then its undo.
    await page.locator(".react-flow__pane").click({ position: { x: 5, y: 5 } });
    const t1 = Date.now();
    await page.getByRole("button", { name: /Tidy up layout/ }).click();
    await page.getByRole("button", { name: /^Undo/ }).click();
    await page.waitForFunction(() => !document.querySelector('button[aria-label^="Undo"]')?.disabled);
    const layoutUndoMs = Date.now() - t1;
    // Last, as it leaves 100 nodes selected (the inspector then shows no single node).
    const many = size >= 500 ? await dragManySelected(page) : {};

    return {
      nodes: size,
      open_ms: openMs,
      drag_frame_ms_p50: Math.round(median(frames) * 10) / 10,
      drag_frame_ms_p95: Math.round(p95(frames) * 10) / 10,
      ...many,
      keystroke_to_card_ms_p50: median(typing),
      layout_and_undo_ms: layoutUndoMs,
    };
  } finally {
    await deletePipeline(page, pipeline.id);
  }
}

const browser = await launch();
try {
  const page = await signedInPage(browser);
  const health = await apiCall(page, "GET", "/health");
  if (health.status !== 200) throw new Error(`betool is not answering at ${BASE_URL}`);
  const results = [];
  for (const size of SIZES) {
    const figures = await measure(page, size);
    console.error(JSON.stringify(figures));
    results.push(figures);
  }
  const [small, large] = [results[0], results[results.length - 1]];
  const ratio = (key) => Math.round((large[key] / Math.max(small[key], 0.1)) * 100) / 100;
  console.log(
    JSON.stringify({
      bench: "editor_canvas",
      results,
      ratios_largest_vs_smallest: {
        nodes: large.nodes / small.nodes,
        open: ratio("open_ms"),
        drag_frame_p50: ratio("drag_frame_ms_p50"),
        keystroke_to_card: ratio("keystroke_to_card_ms_p50"),
      },
    }),
  );
} finally {
  await browser.close();
}
