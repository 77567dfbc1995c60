// Loading trained weights in Chromium and Firefox: the page fetches tables saved from
// PyTorch (tests/weights) from the demo server, streamed into wasm memory,
// and gets PyTorch's outputs (its quantized ops' for int8 / int4 rows), also
// from a File and a Response, with progress; an abort rejects; a missing file
// is a clear error; a float table quantized as it streams in the page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { BROWSERS, useBrowser, withDemoPage } from './browsers.mjs';

const expected = JSON.parse(readFileSync(new URL('../weights/expected.json', import.meta.url), 'utf8'));

for (const name of BROWSERS) describe(`weights fetched in ${name}`, { timeout: 120_000 }, () => {
  const handle = useBrowser(name);
  for (const isolated of [true, false]) {
    test(`safetensors and npy from the server give PyTorch's outputs (${isolated ? 'threaded' : 'one thread'})`, () =>
      withDemoPage(handle.browser, isolated, async (page) => {
        const results = await page.evaluate(async ({ indices, offsets, tensor }) => {
          const { EmbeddingBag } = await import('/js/index.browser.mjs');
          const run = async (load, url, options) => {
            const bag = await load(url, options);
            const out = Array.from(bag.forward(indices, offsets).data);
            bag.dispose();
            return out;
          };
          const missing = await EmbeddingBag.fromNpy('/tests/weights/missing.npy').then(() => 'loaded', (e) => `${e.name}: ${e.message}`);
          // What a page holds: a Blob / File (an <input type=file>), a
          // Response, with progress; an abort mid-way.
          const blob = await (await fetch('/tests/weights/table_f16.safetensors')).blob();
          const progress = [];
          const fromFile = await run(EmbeddingBag.fromSafetensors, new File([blob], 'table.safetensors'),
            { mode: 'sum', onProgress: (e) => progress.push(e) });
          const fromResponse = await run(EmbeddingBag.fromSafetensors, await fetch('/tests/weights/table_f16.safetensors'), { mode: 'sum' });
          const controller = new AbortController();
          const aborted = await EmbeddingBag.fromSafetensors(blob, { signal: controller.signal, onProgress: () => controller.abort() })
            .then(() => 'loaded', (e) => e.name);
          return {
            f16sum: await run(EmbeddingBag.fromSafetensors, '/tests/weights/table_f16.safetensors', { mode: 'sum' }),
            f32max: await run(EmbeddingBag.fromSafetensors, new URL('/tests/weights/table_f32.safetensors', location.href), { tensor, mode: 'max' }),
            npyF32sum: await run(EmbeddingBag.fromNpy, '/tests/weights/table_f32.npy', { mode: 'sum' }),
            int8sum: await run(EmbeddingBag.fromSafetensors, '/tests/weights/table_int8.safetensors', { mode: 'sum', dtype: 'int8' }),
            int4mean: await run(EmbeddingBag.fromNpy, '/tests/weights/table_int4.npy', { mode: 'mean', dtype: 'int4' }),
            missing,
            fromFile,
            fromResponse,
            progress: { last: progress.at(-1), size: blob.size },
            aborted,
          };
        }, { indices: expected.indices, offsets: expected.offsets, tensor: expected.tensor });
        const torch = (table, mode) => expected.cases.find((c) => c.table === table && c.mode === mode).output.map(Math.fround);
        assert.deepEqual(results.f16sum, torch('f16', 'sum'));
        assert.deepEqual(results.f32max, torch('f32', 'max'));
        assert.deepEqual(results.npyF32sum, torch('f32', 'sum'));
        // Quantized rows (PyTorch's packed layouts): its quantized ops, within float rounding.
        for (const [got, want] of [[results.int8sum, torch('int8', 'sum')], [results.int4mean, torch('int4', 'mean')]]) {
          assert.equal(got.length, want.length);
          got.forEach((x, i) => assert.ok(Math.abs(x - want[i]) <= 1e-5, `[${i}] ${x} vs ${want[i]}`));
        }
        assert.deepEqual(results.fromFile, torch('f16', 'sum'));
        assert.deepEqual(results.fromResponse, torch('f16', 'sum'));
        assert.deepEqual(results.progress.last, { loadedBytes: results.progress.size, totalBytes: results.progress.size });
        assert.equal(results.aborted, 'AbortError');
        assert.match(results.missing, /^Error: embedding-bag-wasm: cannot fetch \/tests\/weights\/missing\.npy \(HTTP 404\)$/);
        // Expected: the 404, and Chromium listing a fetch whose body the loader
        // stopped reading as ERR_ABORTED (sometimes even when every byte had
        // arrived). Nothing else may go wrong.
        const expectedProblems = (p) => p.includes('404') || /weights\/table_.* net::ERR_ABORTED$/.test(p);
        assert.deepEqual(page.problems.filter((p) => !expectedProblems(p)), []);
      }));
  }

  test('a float table quantized as it streams in the page: rows quantize()\'s, the float table never held', () =>
    withDemoPage(handle.browser, true, async (page) => {
      const results = await page.evaluate(async () => {
        const { EmbeddingBag, memoryInfo } = await import('/js/index.browser.mjs');
        // 20,000 x 64 floats (5.1 MB): two 4 MiB blocks of rows and a short third.
        const N = 20000;
        const D = 64;
        const rows = new Float32Array(N * D);
        let x = 7;
        for (let i = 0; i < rows.length; i++) {
          x = (Math.imul(x, 1103515245) + 12345) | 0;
          rows[i] = ((x >>> 8) / 2 ** 24 - 0.5) * (1 + (i % 5));
        }
        const float = EmbeddingBag.fromPretrained({ data: rows, shape: [N, D] });
        const blob = new Blob([float.toSafetensors()]);
        float.dispose();
        const out = {};
        for (const dtype of ['int8', 'int4', 'fp16']) {
          const want = EmbeddingBag.quantize({ data: rows, shape: [N, D] }, { dtype });
          const before = memoryInfo().allocatedBytes;
          let peak = 0;
          const bag = await EmbeddingBag.fromSafetensors(blob.stream(), { dtype, onProgress: () => {
            peak = Math.max(peak, memoryInfo().allocatedBytes - before);
          } });
          const a = bag.quantizedWeight;
          const b = want.quantizedWeight;
          out[dtype] = { same: a.length === b.length && a.every((v, i) => v === b[i]), peak, rowBytes: b.length };
          bag.dispose();
          want.dispose();
        }
        return out;
      });
      for (const [dtype, r] of Object.entries(results)) {
        assert.equal(r.same, true, dtype);
        assert.ok(r.peak <= r.rowBytes + (4 << 20) + (1 << 16), `${dtype}: ${r.peak} bytes held while loading`);
      }
      assert.deepEqual(page.problems, []);
    }));
});
