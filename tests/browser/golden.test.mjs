// The scaled modes' golden cases (sqrtn, weighted mean; dense and sparse
// gradients, quantized rows) in Chromium and Firefox, on both variants: the page served
// cross-origin isolated runs the threaded build, not isolated the
// single-threaded one. The same checker as Node's (tests/golden/check_case.mjs).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { BROWSERS, useBrowser, withDemoPage } from './browsers.mjs';

for (const name of BROWSERS) describe(`golden cases in ${name}`, { timeout: 120_000 }, () => {
  const handle = useBrowser(name);
  for (const isolated of [true, false]) {
    test(`sqrtn and weighted mean match the float64 formula, EmbeddingBagCollection matches PyTorch (${isolated ? 'threaded' : 'one thread'})`, () =>
      withDemoPage(handle.browser, isolated, async (page) => {
        const result = await page.evaluate(async () => {
          const { EmbeddingBag, EmbeddingBagCollection } = await import('/js/index.browser.mjs');
          const { checkGoldenCase } = await import('/tests/golden/check_case.mjs');
          const { checkCollectionCase } = await import('/tests/golden/check_collection.mjs');
          const { cases } = await (await fetch('/tests/golden/scaled_golden.json')).json();
          const collections = (await (await fetch('/tests/golden/collection_golden.json')).json()).cases;
          return {
            variant: globalThis.demo.state.info.variant,
            cases: cases.length,
            collections: collections.length,
            modes: [...new Set(cases.map((c) => c.mode))].sort(),
            failures: [...cases.flatMap((c) => checkGoldenCase(EmbeddingBag, c)),
              ...collections.flatMap((c) => checkCollectionCase(EmbeddingBagCollection, c))],
          };
        });
        assert.equal(result.variant, isolated ? 'simd-threaded' : 'simd');
        assert.ok(result.cases >= 30);
        assert.ok(result.collections >= 7);
        assert.deepEqual(result.modes, ['mean', 'sqrtn']);
        assert.deepEqual(result.failures, []);
        assert.deepEqual(page.problems, []);
      }));
  }
});
