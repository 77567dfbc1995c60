// Production page policies, in Chromium and Firefox, on the demo page:
//   - a strict Content-Security-Policy (no eval; workers from 'self' and
//     blob:) runs both variants, with the golden cases and no violation;
//   - the same policy without blob: in worker-src blocks the pthread
//     workers: init() settles within seconds on the simd variant, and
//     info.reason says what was blocked;
//   - so does a worker script that cannot be fetched.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startServer } from '../../web-demo/server.mjs';
import { BROWSERS, openPage, STRICT_CSP, useBrowser, withDemoPage } from './browsers.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

// A site with the package (js/, dist/) but without the threaded variant's
// worker script, and a page that asks init() for two threads.
function siteWithoutWorkerScript() {
  const site = mkdtempSync(join(tmpdir(), 'embedding-bag-wasm-site-'));
  cpSync(join(root, 'js'), join(site, 'js'), { recursive: true });
  cpSync(join(root, 'dist'), join(site, 'dist'), { recursive: true });
  rmSync(join(site, 'dist/embedding_bag_simd_threaded.web.worker.txt'));
  writeFileSync(join(site, 'main.mjs'), `import { init } from './js/index.browser.mjs';
globalThis.result = init({ threads: 2 }).then((info) => info, (error) => ({ error: error.message }));
`);
  writeFileSync(join(site, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><script type="module" src="main.mjs"></script>');
  return site;
}

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

  test('the pthread worker script cannot be fetched (HTTP 404): init() settles on one thread, saying so', async () => {
    const site = siteWithoutWorkerScript();
    const server = await startServer({ root: site, isolated: true });
    try {
      const page = await openPage(handle.browser, server.url);
      const info = await page.evaluate(() => globalThis.result);
      assert.equal(info.variant, 'simd', JSON.stringify(info));
      assert.equal(info.threads, 1);
      assert.match(info.reason, /pthread worker script .*embedding_bag_simd_threaded\.web\.worker\.txt could not be fetched \(HTTP 404\)/);
      assert.deepEqual(page.problems.filter((p) => !/404|worker\.txt/.test(p)), []);
      await page.close();
    } finally {
      await server.close();
      rmSync(site, { recursive: true, force: true });
    }
  });
});
