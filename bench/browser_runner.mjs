// A benchmark runner in a browser: Debian's Chromium (headless, never
// downloaded) opens bench/page/ from a local server, cross-origin isolated
// (so that performance.now() is fine-grained), and each request is answered
// by the page (page/runner.mjs) with what a Node runner would reply: the
// same runner interface as bench.mjs's startRunner.
import { fileURLToPath } from 'node:url';

import { launchBrowser } from '../tests/browser/browsers.mjs';
import { startServer } from '../web-demo/server.mjs';

export async function startBrowserRunner(browserName = 'chromium') {
  const server = await startServer({ root: fileURLToPath(new URL('../', import.meta.url)), isolated: true });
  const browser = await launchBrowser(browserName);
  const page = await browser.newPage();
  await page.goto(`${server.url}bench/page/`);
  await page.waitForFunction(() => globalThis.benchRunner !== undefined, undefined, { timeout: 60_000 });
  const check = () => {
    if (page.problems.length > 0) throw new Error(`bench page (${browserName}): ${page.problems.join('; ')}`);
  };
  check();
  const version = await page.evaluate(() => navigator.userAgent.match(/(Chrome|Firefox)\/[\d.]+/)?.[0] ?? navigator.userAgent);
  return {
    name: browserName,
    version,
    async ask(request) {
      const reply = await page.evaluate((r) => globalThis.benchRunner.ask(r), request);
      check();
      return reply;
    },
    async stop() {
      await page.evaluate(() => globalThis.benchRunner.release());
      await browser.close();
      await server.close();
    },
  };
}
