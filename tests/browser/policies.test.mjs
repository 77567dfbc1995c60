// Production page policies, in Chromium and Firefox, on the demo page:
//   - a strict Content-Security-Policy (no eval; workers from 'self' and
//     blob:) runs both variants, with the golden cases and no violation;
//   - the same policy without blob: in worker-src blocks the pthread
//     workers: init() settles within seconds on the simd variant, and
//     info.reason says what was blocked.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { BROWSERS, STRICT_CSP, useBrowser, withDemoPage } from './browsers.mjs';

// The golden cases of the scaled modes, and init()'s info, on the page.
const runGolden = (page) => page.evaluate(async () => {
  const { EmbeddingBag } = await import('/js/index.browser.mjs');
  const { checkGoldenCase } = await import('/tests/golden/check_case.mjs');
  const { cases } = await (await fetch('/tests/golden/scaled_golden.json')).json();
  return {
    info: globalThis.demo.state.info,
    cases: cases.length,
    failures: cases.flatMap((c) => checkGoldenCase(EmbeddingBag, c)),
    output: globalThis.demo.state.output,
    error: globalThis.demo.state.error,
  };
});

for (const name of BROWSERS) describe(`page policies in ${name}`, { timeout: 120_000 }, () => {
  const handle = useBrowser(name);

  for (const isolated of [true, false]) {
    test(`strict Content-Security-Policy (${STRICT_CSP}): ${isolated ? 'threaded' : 'one thread'}`, () =>
      withDemoPage(handle.browser, isolated, async (page) => {
        const result = await runGolden(page);
        assert.equal(result.info.variant, isolated ? 'simd-threaded' : 'simd');
        if (isolated) assert.ok(result.info.threads >= 2);
        assert.ok(result.cases >= 30);
        assert.deepEqual(result.failures, []);
        assert.equal(result.error, null);
        assert.equal(result.output.shape.length, 2);
        assert.deepEqual(page.problems, []);
      }, { csp: STRICT_CSP }));
  }

  test('workers from blob: blocked by the policy: init() falls back to one thread within seconds, saying why', async () => {
    const blocked = "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'";
    const started = Date.now();
    await withDemoPage(handle.browser, true, async (page) => {
      const seconds = (Date.now() - started) / 1000;
      assert.ok(seconds < 20, `the page took ${seconds} s to load`);
      const result = await runGolden(page);
      assert.equal(result.info.variant, 'simd');
      assert.equal(result.info.threads, 1);
      assert.match(result.info.reason, /blob: URLs/);
      assert.deepEqual(result.failures, []);
      // The browser reports the refused worker; nothing else may go wrong.
      const violation = (p) => /Content[- ]Security[- ]Policy|worker-src|blob:/i.test(p);
      assert.deepEqual(page.problems.filter((p) => !violation(p)), []);
      // A second init() asking for threads gets the same module.
      assert.deepEqual(await page.evaluate(async () => (await import('/js/index.browser.mjs')).init({ threads: 2 })), result.info);
    }, { csp: blocked });
  });
});
