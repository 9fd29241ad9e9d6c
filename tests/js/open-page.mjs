// Opens one local HTML file in Chromium and fails on any console error, page error or request
// that leaves the file (a self-contained page needs none); saves a full-page screenshot.
//   node tests/js/open-page.mjs FILE SCREENSHOT.png
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";

const [file, screenshot] = process.argv.slice(2);
const url = pathToFileURL(file).href;
const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => r.url() !== url && !r.url().startsWith("data:") && problems.push(`request to ${r.url()}`));
  await page.goto(url, { waitUntil: "load" });
  const svgs = await page.locator("svg").count();
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`opened ${file}: ${svgs} svg elements`);
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
