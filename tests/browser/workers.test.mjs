// The package in a module Web Worker (examples/web-worker/), in Chromium and
// Firefox, isolated (threaded variant inside the worker) and not: the page's
// main thread keeps running while the worker computes, the output matches
// Node's, errors cross back with their name.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { EmbeddingBag, init } from '../../js/index.node.mjs';
import { startServer } from '../../web-demo/server.mjs';
import { BROWSERS, launchBrowser, openPage, STRICT_CSP } from './browsers.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

// What main.mjs computes (its first row's head), in Node.
async function expectedHead() {
  await init({ threads: 1 });
  const bag = new EmbeddingBag(50_000, 32, { mode: 'sum', seed: 5 });
  const head = Array.from(bag.forward(Int32Array.from({ length: 50 }, (_, k) => k), [0]).data.subarray(0, 4));
  bag.dispose();
  return head;
}

// The page's result, or a rejection after `ms` (a hang fails fast, with a name).
const within = (promise, ms, what) => Promise.race([promise,
  new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms).unref())]);

for (const name of BROWSERS) describe(`a module Web Worker in ${name}`, { timeout: 180_000 }, () => {
  for (const isolated of [true, false]) {
    test(`examples/web-worker, ${isolated ? 'isolated: threaded in the worker' : 'not isolated: one thread'}, strict CSP`, async () => {
      // A browser of its own: a test never inherits another's state.
      const browser = await launchBrowser(name);
      const server = await startServer({ root, isolated, csp: STRICT_CSP });
      try {
        const page = await openPage(browser, `${server.url}examples/web-worker/`);
        const result = await within(page.evaluate(() => globalThis.example.done), 60_000, 'examples/web-worker');
        assert.equal(result.info.variant, isolated ? 'simd-threaded' : 'simd');
        assert.deepEqual(result.shape, [4096, 32]);
        assert.deepEqual(result.head, await expectedHead());
        assert.equal(result.error, 'RangeError: indices[0] = 50000 is out of range [0, 50000)');
        // The page's timer kept running while the worker computed.
        assert.ok(result.ticks >= 5, `the main thread ran ${result.ticks} times in ${result.ms} ms`);
        assert.deepEqual(page.problems, []);
        await page.close();
      } finally {
        await server.close();
        await browser.close();
      }
    });
  }
});
