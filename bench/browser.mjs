// Scoring in headless Chromium through the web module, as the dashboard scores: one customer
// (a plain object) and the Telco CSV (bytes), timed inside the page with performance.now().
//   node bench/browser.mjs BASE_URL TELCO_CSV CUSTOMER_JSON [--quick]   → JSON on stdout
// TELCO_CSV "-" leaves the CSV out (a checkout without the reference data).
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const [base, csvPath, customerJson, ...flags] = process.argv.slice(2);
const quick = flags.includes("--quick");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(base);
  await page.waitForFunction(() => document.getElementById("probability").textContent.endsWith("%"));
  const csv = csvPath === "-" ? null : [...readFileSync(csvPath)];
  const customer = JSON.parse(customerJson);
  const result = await page.evaluate(async ({ csv, customer, quick }) => {
    const { Scorer } = await import("/pkg/scorer_wasm.js");
    const scorer = Scorer.embedded();

    const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
    const time = (f, iters, samples) => {
      const out = [];
      for (let s = 0; s < samples; s++) {
        const t = performance.now();
        for (let i = 0; i < iters; i++) f();
        out.push((performance.now() - t) / iters / 1e3);
      }
      return median(out);
    };
    for (let i = 0; i < 200; i++) scorer.score(customer); // warm up
    const one = time(() => scorer.score(customer), quick ? 200 : 5000, quick ? 3 : 9);
    if (csv === null) return { one_seconds: one };
    // Parse and score, without per-row drivers: the same work as the native and wasmtime figures.
    const bytes = new Uint8Array(csv);
    const rows = scorer.scoreCsv(bytes, 0).summary.rows;
    const batch = time(() => scorer.scoreCsv(bytes, 0), 1, quick ? 3 : 15);
    return { one_seconds: one, csv_rows: rows, csv_seconds: batch };
  }, { csv, customer, quick });
  process.stdout.write(JSON.stringify(result));
} finally {
  await browser.close();
}
