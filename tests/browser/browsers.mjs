// The browsers the tests run in, both Debian's and never downloaded:
//   chromium  /usr/bin/chromium, driven by playwright-core (CDP)
//   firefox   /usr/bin/firefox-esr, driven by puppeteer-core (WebDriver BiDi;
//             Debian has no geckodriver)
// One page interface over both drivers (goto / evaluate / waitForFunction and
// the few DOM actions the tests use, done inside the page), collecting page
// errors, console errors and failed requests in page.problems so that every
// test can assert there were none.
// EBAG_BROWSERS=chromium (or firefox) runs one; EBAG_CHROMIUM / EBAG_FIREFOX
// name other executables.
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

import { startServer } from '../../web-demo/server.mjs';

export const BROWSERS = (process.env.EBAG_BROWSERS ?? 'chromium,firefox').split(',').filter(Boolean);

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Launches `name` ('chromium' | 'firefox'); the result has newPage() and close(). */
export async function launchBrowser(name) {
  if (name === 'chromium') {
    const browser = await chromium.launch({ executablePath: process.env.EBAG_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS });
    return { name, newPage: async () => wrapPage(await browser.newPage(), 'playwright'), close: () => browser.close() };
  }
  if (name === 'firefox') {
    const browser = await puppeteer.launch({
      browser: 'firefox', executablePath: process.env.EBAG_FIREFOX ?? '/usr/bin/firefox-esr', headless: true,
    });
    // A context per page, as Playwright's newPage() makes: nothing (cache,
    // storage) carries over from one test's page to the next.
    const newPage = async () => {
      const context = await browser.createBrowserContext();
      const page = wrapPage(await context.newPage(), 'puppeteer');
      return { ...page, close: () => context.close() };
    };
    return { name, newPage, close: () => browser.close() };
  }
  throw new Error(`unknown browser ${name}`);
}

function wrapPage(page, driver) {
  const problems = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  const inPage = (fn, arg) => page.evaluate(fn, arg);
  return {
    problems,
    goto: (url) => page.goto(url),
    evaluate: inPage,
    waitForFunction: (fn, arg, { timeout = 30_000 } = {}) => (driver === 'playwright'
      ? page.waitForFunction(fn, arg, { timeout })
      : page.waitForFunction(fn, { timeout }, arg)),
    // DOM actions, the same in both browsers: done by the page itself.
    fill: (selector, value) => inPage(({ selector, value }) => {
      const element = document.querySelector(selector);
      element.value = value;
      element.dispatchEvent(new Event('input', { bubbles: true }));
      element.dispatchEvent(new Event('change', { bubbles: true }));
    }, { selector, value: String(value) }),
    click: (selector) => inPage((selector) => document.querySelector(selector).click(), selector),
    textContent: (selector) => inPage((selector) => document.querySelector(selector)?.textContent ?? null, selector),
    isVisible: (selector) => inPage((selector) => {
      const element = document.querySelector(selector);
      return element !== null && element.getClientRects().length > 0 && getComputedStyle(element).visibility !== 'hidden';
    }, selector),
    screenshot: (options) => page.screenshot(options),
    close: () => page.close(),
  };
}

/** A new page at `url` (see wrapPage). */
export async function openPage(browser, url) {
  const page = await browser.newPage();
  await page.goto(url);
  return page;
}

// A browser shared by the tests of one describe(): launched before them,
// closed after. Returns { browser } (filled once launched).
export function useBrowser(name) {
  const handle = { browser: null };
  before(async () => {
    handle.browser = await launchBrowser(name);
  });
  after(async () => {
    await handle.browser?.close();
  });
  return handle;
}

// fn(page) on the demo page, served from the repository root (cross-origin
// isolated or not; `csp`: a Content-Security-Policy header) and loaded; the
// page and the server are closed after.
export async function withDemoPage(browser, isolated, fn, { csp } = {}) {
  const server = await startServer({ root: fileURLToPath(new URL('../../', import.meta.url)), isolated, csp });
  try {
    const page = await openPage(browser, `${server.url}web-demo/`);
    await page.evaluate(() => globalThis.demo.ready);
    await fn(page);
    await page.close();
  } finally {
    await server.close();
  }
}

/** The policy a production page would send: no eval, workers only from this origin and blob:. */
export const STRICT_CSP = "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:";
