// Debian's Chromium driven by playwright-core (never `npx playwright install`:
// it downloads a browser, which this machine cannot). Collects page errors and
// console errors so that every test can assert there were none.
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { startServer } from '../../web-demo/server.mjs';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launchChromium() {
  return chromium.launch({ executablePath: process.env.EBAG_CHROMIUM ?? '/usr/bin/chromium', args: FLAGS });
}

// A new page whose errors land in page.problems (uncaught exceptions,
// console.error, failed requests).
export async function openPage(browser, url) {
  const page = await browser.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(`console.error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => page.problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  await page.goto(url);
  return page;
}

// A Chromium shared by the tests of one describe(): launched before them,
// closed after. Returns { browser } (filled once launched).
export function useChromium() {
  const handle = { browser: null };
  before(async () => {
    handle.browser = await launchChromium();
  });
  after(async () => {
    await handle.browser?.close();
  });
  return handle;
}

// fn(page) on the demo page, served from the repository root (cross-origin
// isolated or not) and loaded; the page and the server are closed after.
export async function withDemoPage(browser, isolated, fn) {
  const server = await startServer({ root: fileURLToPath(new URL('../../', import.meta.url)), isolated });
  try {
    const page = await openPage(browser, `${server.url}web-demo/`);
    await page.evaluate(() => globalThis.demo.ready);
    await fn(page);
    await page.close();
  } finally {
    await server.close();
  }
}
