// Drives pages in one headless Chromium for tests/test_web.py. Reads a JSON job on stdin:
// {"chromium": path, "tasks": [{"url", "inject"?, "actions"?: [[op, arg], ...], "script"?,
//  "args"?, "screenshot"?, "dark"?, "width"?, "height"?, "downloads"?}]}
// and writes, for each task, {"result", "requests", "errors", "downloaded"} as JSON on stdout.
// "requests" lists every URL the page asked for besides the page itself (none is allowed).
"use strict";
const puppeteer = require("puppeteer-core");
const fs = require("fs");
const path = require("path");

async function run(browser, task) {
  const page = await browser.newPage();
  const requests = [], errors = [];
  await page.setRequestInterception(true);
  page.on("request", (r) => {
    if (r.url() !== task.url && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) requests.push(r.url());
    r.continue();
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.setViewport({ width: task.width || 900, height: task.height || 1200 });
  await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: task.dark ? "dark" : "light" }]);
  if (task.inject) await page.evaluateOnNewDocument(task.inject);
  let downloaded = null;
  if (task.downloads) {
    const cdp = await browser.target().createCDPSession();  // Browser.* events come to the browser
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: task.downloads, eventsEnabled: true });
    downloaded = new Promise((resolve) => {
      cdp.on("Browser.downloadProgress", (e) => { if (e.state === "completed") resolve(); });
    });
  }
  await page.goto(task.url, { waitUntil: "load" });
  for (const [op, arg] of task.actions || []) {
    if (op === "type") await page.keyboard.type(arg);
    else if (op === "press") await page.keyboard.press(arg);
    else if (op === "click") await page.click(arg);
    else if (op === "focus") await page.focus(arg);
  }
  let file = null;
  if (downloaded) {
    let timer;
    const ended = await Promise.race([downloaded.then(() => "done"),
      new Promise((r) => { timer = setTimeout(() => r("no download"), 20000); })]);
    clearTimeout(timer);
    if (ended === "done") file = path.join(task.downloads, fs.readdirSync(task.downloads)[0]);
  }
  let result = null;
  if (task.script) {
    const fn = new Function("args", "return (async () => {" + task.script + "})();");
    result = await page.evaluate(fn, task.args === undefined ? null : task.args);
  }
  if (task.screenshot) await page.screenshot({ path: task.screenshot, fullPage: !!task.fullPage });
  await page.close();
  return { result, requests, errors, downloaded: file };
}

(async () => {
  const job = JSON.parse(fs.readFileSync(0, "utf8"));
  const browser = await puppeteer.launch({
    executablePath: job.chromium, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  try {
    const out = [];
    for (const task of job.tasks) out.push(await run(browser, task));
    process.stdout.write(JSON.stringify(out));
  } finally {
    await browser.close();
  }
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
