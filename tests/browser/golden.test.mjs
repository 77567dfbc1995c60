// The scaled modes' golden cases (sqrtn, weighted mean; dense and sparse
// gradients, quantized rows) in Chromium, on both variants: the page served
// cross-origin isolated runs the threaded build, not isolated the
// single-threaded one. The same checker as Node's (tests/golden/check_case.mjs).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startServer } from '../../web-demo/server.mjs';
import { launchChromium, openPage } from './chromium.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('golden cases in the browser', { timeout: 120_000 }, () => {
  let browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  for (const isolated of [true, false]) {
    test(`sqrtn and weighted mean match the float64 formula (${isolated ? 'threaded' : 'one thread'})`, async () => {
      const server = await startServer({ root, isolated });
      try {
        const page = await openPage(browser, `${server.url}web-demo/`);
        await page.evaluate(() => globalThis.demo.ready);
        const result = await page.evaluate(async () => {
          const { EmbeddingBag } = await import('/js/index.browser.mjs');
          const { checkGoldenCase } = await import('/tests/golden/check_case.mjs');
          const { cases } = await (await fetch('/tests/golden/scaled_golden.json')).json();
          return {
            variant: globalThis.demo.state.info.variant,
            cases: cases.length,
            modes: [...new Set(cases.map((c) => c.mode))].sort(),
            failures: cases.flatMap((c) => checkGoldenCase(EmbeddingBag, c)),
          };
        });
        assert.equal(result.variant, isolated ? 'simd-threaded' : 'simd');
        assert.ok(result.cases >= 30);
        assert.deepEqual(result.modes, ['mean', 'sqrtn']);
        assert.deepEqual(result.failures, []);
        assert.deepEqual(page.problems, []);
        await page.close();
      } finally {
        await server.close();
      }
    });
  }
});
