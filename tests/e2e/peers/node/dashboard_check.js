// Loads wsyaml's live dashboard in headless Chromium while a run goes, waits for live numbers,
// takes a screenshot, waits for the run's final update (a second screenshot, NAME-end.png) and
// prints what the page showed both times as one JSON line. With READY_FILE, it creates that
// file once Chromium has started, so the caller can start the run then (Chromium may take
// longer to start on a busy machine than the run lasts).
// Usage: node dashboard_check.js URL SCREENSHOT.png [READY_FILE]
// Called by tests/e2e/dashboard_e2e_test.cpp, which checks the values against the run's result.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

const [url, screenshot, readyFile] = process.argv.slice(2);
const kLoadTries = 100;  // the run may still be starting: 100 x 100 ms

async function load(page) {
  for (let i = 0; ; ++i) {
    try {
      await page.goto(url, { timeout: 2000 });
      return;
    } catch (e) {
      if (i + 1 >= kLoadTries) throw e;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

// Everything the test compares, read from the DOM: the numbers from data-value attributes
// (the text shown is formatted), the table rows from their data-* attributes.
function readPage() {
  const value = (id) => document.getElementById(id).dataset.value;
  const rows = (id) => [...document.querySelectorAll(`#${id} tr`)].filter((tr) => Object.keys(tr.dataset).length)
    .map((tr) => ({ ...tr.dataset }));
  const lines = (id) => [...document.querySelectorAll(`#${id} path`)].filter((p) => p.getAttribute("d")).length;
  return {
    updates: Number(document.body.dataset.updates || 0),
    points: Number(document.body.dataset.points || 0),
    final: document.body.dataset.final,
    status: document.getElementById("status").textContent,
    scenario: document.getElementById("scenario").textContent,
    elapsed_s: Number(value("elapsed")),
    vus: Number(value("vus")),
    vus_max: Number(value("vus_max")),
    open_sockets: Number(value("open_sockets")),
    sent_total: Number(value("sent_total")),
    sent_rate: Number(value("sent_rate")),
    received_total: Number(value("received_total")),
    errors_total: Number(value("errors_total")),
    checks_passes: Number(value("checks_passes")),
    checks_fails: Number(value("checks_fails")),
    thresholds_state: value("thresholds_state"),
    thresholds: rows("thresholds"),
    trends: rows("trends"),
    errors: rows("errors"),
    checks: rows("checks"),
    chart_lines: { load: lines("chart_load"), msgs: lines("chart_msgs"), reply: lines("chart_reply"),
                   errors: lines("chart_errors") },
    sent_text: document.getElementById("sent_total").textContent,
  };
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "wsyaml-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const problems = [];  // script errors and CSP violations the page reported
  try {
    const page = await context.newPage();
    if (readyFile) fs.writeFileSync(readyFile, "ready\n");
    page.on("pageerror", (e) => problems.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
    await load(page);
    // Live: two updates (the latest at once, then one more), messages sent, a latency line.
    await page.waitForFunction(() => Number(document.body.dataset.updates || 0) >= 2 &&
      Number(document.getElementById("sent_total").dataset.value) > 0 &&
      document.querySelectorAll("#trends tr[data-metric]").length > 0, null, { timeout: 15000 });
    await page.screenshot({ path: screenshot, fullPage: true });
    const shown = await page.evaluate(readPage);
    // Then the run's end: the final update, whose totals are the run's.
    await page.waitForFunction(() => document.body.dataset.final === "true", null, { timeout: 30000 });
    shown.at_end = await page.evaluate(readPage);
    await page.screenshot({ path: screenshot.replace(/\.png$/, "-end.png"), fullPage: true });
    shown.problems = problems;
    shown.screenshot = screenshot;
    process.stdout.write(JSON.stringify(shown) + "\n");
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`dashboard_check: ${e.stack || e}\n`);
  process.exit(1);
});
