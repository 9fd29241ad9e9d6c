// The dashboard in Chromium, driven by Playwright, against the app served by the Spin
// components (tests/it/browser.rs starts the server and passes what to expect).
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { chromium } from "playwright-core";

const env = (name) => {
  const v = process.env[name];
  assert.ok(v, `${name} is set by tests/it/browser.rs`);
  return v;
};
const BASE = env("BASE_URL");
const SHOTS = env("SCREENSHOTS");
mkdirSync(SHOTS, { recursive: true });
const shot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const pct = (p) => `${(p * 100).toFixed(1)}%`;

let browser, context, page;
const problems = [];   // console errors, page errors, requests to other origins

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => !r.url().startsWith(BASE) && !r.url().startsWith("blob:") && !r.url().startsWith("data:") && problems.push(`request to ${r.url()}`));
  await page.goto(BASE);
  await page.waitForFunction(() => document.getElementById("probability").textContent.endsWith("%"));
});

after(async () => {
  await browser?.close();
});

const probability = async () => parseFloat(await page.textContent("#probability"));

test("the typical customer's probability is the golden one, and a two-year contract lowers it", async () => {
  assert.match(await page.textContent("#model-line"), new RegExp(env("EXPECT_MODEL_ID")));
  assert.equal(await page.textContent("#probability"), pct(Number(env("EXPECT_TYPICAL_P"))));
  assert.equal(await page.inputValue("#f-Contract"), "Month-to-month");
  const before = await probability();
  await page.selectOption("#f-Contract", "Two year");
  await page.waitForFunction((b) => parseFloat(document.getElementById("probability").textContent) !== b, before);
  const after = await probability();
  assert.ok(after < before, `two-year contract: ${after} should be below ${before}`);
  assert.ok(await page.locator('.field.changed[data-column="Contract"]').isVisible());
  await page.click("#pin");
  await page.selectOption("#f-Contract", "One year");
  await page.fill("#f-tenure", "60");
  await page.click("#pin");
  const rows = await page.locator("#scenario-table tbody tr").count();
  assert.ok(rows >= 6, `scenario table has ${rows} rows`);
  await shot(page, "1-what-if");
  await page.click("#reset");
  assert.equal(await page.textContent("#probability"), pct(Number(env("EXPECT_TYPICAL_P"))));
});

test("a Telco-shaped file scores in the page: every row, the right probability for a named customer", async () => {
  await page.click("#tab-batch");
  await page.setInputFiles("#csv-input", env("CHURN_TELCO_CSV"));
  const rows = Number(env("EXPECT_CSV_ROWS")).toLocaleString("en-US");
  await page.waitForFunction((rows) => document.getElementById("batch-status").textContent.includes(`Scored ${rows} of ${rows} rows`), rows);
  const status = await page.textContent("#batch-status");
  // The time is reported, not asserted: `cargo xtask bench` measures in-page scoring speed.
  assert.match(status, /rows of telco-shaped\.csv in \d+ ms, in this page\./);
  console.log(`# dashboard: ${status}`);
  await page.fill("#batch-search", env("EXPECT_NAMED_ID"));
  const row = page.locator(`#batch-table tbody tr[data-id="${env("EXPECT_NAMED_ID")}"]`);
  await row.waitFor();
  assert.equal(await row.locator("td").nth(2).textContent(), pct(Number(env("EXPECT_NAMED_P"))));
  await page.fill("#batch-search", "");
  await shot(page, "2-batch");
  // The row opens in the what-if view with the same probability.
  await page.fill("#batch-search", env("EXPECT_NAMED_ID"));
  await row.locator("button").click();
  await page.waitForFunction(() => !document.getElementById("view-whatif").hidden);
  assert.equal(await page.textContent("#probability"), pct(Number(env("EXPECT_NAMED_P"))));
});

test("a malformed CSV shows row-level errors", async () => {
  await page.click("#tab-batch");
  await page.setInputFiles("#csv-input", { name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(env("BAD_CSV")) });
  await page.waitForFunction(() => /Scored 1 of 3 rows of bad.csv/.test(document.getElementById("batch-status").textContent));
  const errors = await page.locator("#error-table tbody tr").allTextContents();
  assert.equal(errors.length, 2);
  assert.match(errors[0], /tenure: expected a number, got "twelve"/);
  assert.match(errors[1], /Partner: expected Yes or No \(or true\/false\), got "maybe"/);
  await shot(page, "3-batch-errors");
  await page.setInputFiles("#csv-input", { name: "wrong.csv", mimeType: "text/csv", buffer: Buffer.from("a,b\n1,2\n") });
  await page.waitForFunction(() => /wrong.csv cannot be scored/.test(document.getElementById("batch-status").textContent));
});

test("the campaign view ties the threshold to money", async () => {
  await page.click("#tab-campaign");
  await page.waitForSelector("#profit-chart svg");
  const cards = await page.locator("#campaign-cards .card").count();
  assert.equal(cards, 5);
  assert.equal(await page.inputValue("#clv"), "500", "the economics the threshold was chosen with");
  const before = await page.textContent("#campaign-cards");
  await page.fill("#clv", "2000");
  assert.notEqual(await page.textContent("#campaign-cards"), before);
  await shot(page, "4-campaign");
});

test("the model view shows the card, and another model file swaps the model everywhere", async () => {
  await page.click("#tab-model");
  assert.match(await page.textContent("#model-summary"), /7,043 rows/);
  assert.equal(await page.locator("#metrics tbody tr").count(), 8);
  assert.match(await page.textContent("#metrics"), /Profit \/ customer/);
  assert.match(await page.textContent("#model-summary"), /platt, fitted out of fold: expected calibration error/);
  await shot(page, "5-model");
  await page.setInputFiles("#model-input", env("OTHER_MODEL"));
  await page.waitForFunction(() => /Now using/.test(document.getElementById("model-status").textContent));
  assert.match(await page.textContent("#model-line"), new RegExp(env("OTHER_MODEL_ID")));
  await page.click("#tab-whatif");
  assert.equal(await page.textContent("#probability"), pct(Number(env("OTHER_TYPICAL_P"))));
  // An additive model lists no pairs; a model with interaction terms lists each, with its push.
  assert.equal(await page.isHidden("#pairs"), true);
  await page.click("#tab-model");
  await page.setInputFiles("#model-input", env("PAIRS_MODEL"));
  await page.waitForFunction(() => /Now using bank-pairs/.test(document.getElementById("model-status").textContent));
  await page.click("#tab-whatif");
  assert.equal(await page.isVisible("#pairs"), true);
  const pairs = await page.$$eval("#pair-list li span", (spans) => spans.map((s) => s.textContent).sort());
  assert.deepEqual(pairs, env("EXPECT_PAIRS").split("\n").sort());
  assert.match(await page.textContent("#pair-list"), /[+−]\d\.\d\d/);
  await shot(page, "5-pairs");
  const bad = Buffer.from("not a model");
  await page.click("#tab-model");
  await page.setInputFiles("#model-input", { name: "bad.churn", mimeType: "application/octet-stream", buffer: bad });
  await page.waitForFunction(() => /bad.churn was not loaded: not a churn model/.test(document.getElementById("model-status").textContent));
});

test("controls are labelled, text has contrast, and the page fits a phone", async () => {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input, select, button")]
      .filter((e) => !e.closest("[hidden]") && !(e.labels?.length || e.getAttribute("aria-label") || e.textContent.trim()))
      .map((e) => e.outerHTML.slice(0, 80)));
  assert.deepEqual(unlabelled, []);
  const lowContrast = await page.evaluate(() => {
    const rgb = (s) => s.match(/\d+/g).slice(0, 3).map(Number).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    const lum = (c) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    const bg = (e) => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; if (!c.startsWith("rgba(0, 0, 0, 0)")) return c; } return "rgb(255, 255, 255)"; };
    return [...document.querySelectorAll("p, td, th, label, h1, h2, span, dd, dt, button")]
      .filter((e) => e.offsetParent && e.textContent.trim())
      .map((e) => { const a = lum(rgb(getComputedStyle(e).color)), b = lum(rgb(bg(e))); return { text: e.textContent.trim().slice(0, 30), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) }; })
      .filter((x) => x.ratio < 4.5);
  });
  assert.deepEqual(lowContrast, []);
  const phone = await context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  phone.on("pageerror", (e) => problems.push(`phone page error: ${e.message}`));
  await phone.goto(BASE);
  await phone.waitForFunction(() => document.getElementById("probability").textContent.endsWith("%"));
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
  await shot(phone, "6-phone");
  // Keyboard: the tabs follow arrow keys.
  await phone.focus("#tab-whatif");
  await phone.keyboard.press("ArrowRight");
  assert.equal(await phone.evaluate(() => document.activeElement.id), "tab-batch");
  assert.equal(await phone.isVisible("#view-batch"), true);
  await phone.close();
});

test("no console errors and no request to another origin", () => {
  assert.deepEqual(problems, []);
});
