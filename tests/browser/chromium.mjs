// Debian's Chromium driven by playwright-core (never `npx playwright install`:
// it downloads a browser, which this machine cannot). Collects page errors and
// console errors so that every test can assert there were none.
import { chromium } from 'playwright-core';

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
