// The DLRM of examples/dlrm in a page, in Chromium and Firefox, on both
// variants (cross-origin isolated: threaded): its tables by
// EmbeddingBagCollection.fromTorch from the fetched torch.save file, its
// dense part by onnxruntime-web from the fetched ONNX export, the KeyedTensor
// handed to ort.Tensor as it is. Every held-out sample's click probability
// equals PyTorch's within 1e-5.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { BROWSERS, useBrowser, withDemoPage } from './browsers.mjs';

const heldout = JSON.parse(readFileSync(new URL('../../examples/dlrm/heldout.json', import.meta.url), 'utf8'));

for (const name of BROWSERS) describe(`DLRM in ${name}`, { timeout: 120_000 }, () => {
  const handle = useBrowser(name);
  for (const isolated of [true, false]) {
    test(`fromTorch + onnxruntime-web give PyTorch's click probabilities (${isolated ? 'threaded' : 'one thread'})`, () =>
      withDemoPage(handle.browser, isolated, async (page) => {
        const result = await page.evaluate(async () => {
          const { EmbeddingBagCollection } = await import('/js/index.browser.mjs');
          const ort = await import('/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs');
          ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
          ort.env.wasm.numThreads = 1;
          const data = await (await fetch('/examples/dlrm/heldout.json')).json();
          const ebc = await EmbeddingBagCollection.fromTorch(await fetch('/examples/dlrm/tables.pt'), data.tables);
          const session = await ort.InferenceSession.create(new Uint8Array(await (await fetch('/examples/dlrm/dense.onnx')).arrayBuffer()));
          const t0 = performance.now();
          const kt = ebc.forward(data.kjt);
          const t1 = performance.now();
          const pooled = new ort.Tensor('float32', kt.values, kt.shape);
          const { probability } = await session.run({ dense: new ort.Tensor('float32', Float32Array.from(data.dense), [data.batch, 13]), pooled });
          const out = { probabilities: Array.from(probability.data), sameArray: pooled.data === kt.values, sparseMs: t1 - t0, denseMs: performance.now() - t1 };
          await session.release();
          ebc.dispose();
          return { ...out, variant: globalThis.demo.state.info.variant };
        });
        assert.equal(result.variant, isolated ? 'simd-threaded' : 'simd');
        assert.ok(result.sameArray, 'the KeyedTensor went to ort.Tensor without a copy');
        heldout.probabilities.forEach((p, b) => {
          assert.ok(Math.abs(result.probabilities[b] - p) <= 1e-5, `sample ${b}: ${result.probabilities[b]}, PyTorch ${p}`);
        });
        assert.deepEqual(page.problems, []);
      }));
  }
});
