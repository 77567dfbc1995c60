// One process's DLRM timings (bench/dlrm.mjs): examples/dlrm served as
// dlrm.mjs serves it (embedding-bag-wasm's collection for the sparse part,
// onnxruntime-web for the dense part, simd variant, one thread each) against
// the whole model exported to ONNX with its embedding bags (full.onnx) run by
// onnxruntime-web alone, on the same seeded requests. Prints JSON:
// [{ batch, sparseMs, denseMs, oursMs, onnxMs }] (medians).
//   node bench/dlrm_child.mjs <rounds> <batch>...
import { readFileSync } from 'node:fs';

import * as ort from 'onnxruntime-web';

import { init, EmbeddingBagCollection } from '../js/index.node.mjs';
import { lcg } from './batch.mjs';
import { median } from './timing.mjs';

const dir = new URL('../examples/dlrm/', import.meta.url);
const heldout = JSON.parse(readFileSync(new URL('heldout.json', dir), 'utf8'));
const [rounds, ...batches] = process.argv.slice(2).map(Number);
await init({ threads: 1 });
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

// B requests drawn as train.py draws them: per feature 1..most ids below its rows.
function requests(B, seed) {
  const random = lcg(seed);
  const dense = Float32Array.from({ length: B * 13 }, () => random() * 2 - 1);
  const values = [];
  const lengths = [];
  const perFeature = heldout.workload.map(({ rows, most }) => {
    const ids = [];
    const own = [];
    for (let b = 0; b < B; b++) {
      const length = 1 + Math.floor(random() * most);
      own.push(length);
      for (let i = 0; i < length; i++) ids.push(Math.floor(random() * rows));
    }
    values.push(...ids);
    lengths.push(...own);
    return { ids, lengths: own };
  });
  return { dense, kjt: { keys: heldout.kjt.keys, values: Int32Array.from(values), lengths: Int32Array.from(lengths) }, perFeature };
}

// The same requests as full.onnx's inputs: dense, ids_k (int64), offsets_k (int64).
function onnxFeeds(B, { dense, perFeature }) {
  const feeds = { dense: new ort.Tensor('float32', dense, [B, 13]) };
  perFeature.forEach(({ ids, lengths }, k) => {
    feeds[`ids_${k}`] = new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [ids.length]);
    let at = 0;
    feeds[`offsets_${k}`] = new ort.Tensor('int64', BigInt64Array.from(lengths, (l) => { const o = at; at += l; return BigInt(o); }), [B]);
  });
  return feeds;
}

const ebc = await EmbeddingBagCollection.fromTorch(new URL('tables.pt', dir), heldout.tables);
const dense = await ort.InferenceSession.create(readFileSync(new URL('dense.onnx', dir)));
const full = await ort.InferenceSession.create(readFileSync(new URL('full.onnx', dir)));
const out = [];
for (const B of batches) {
  const req = requests(B, 1000 + B);
  const feeds = onnxFeeds(B, req);
  const pooledOut = new Float32Array(B * 8 * 16);
  const times = { sparse: [], dense: [], ours: [], onnx: [] };
  const runs = Math.max(3, Math.round((B === 1 ? 200 : 20) * rounds / 7));
  for (let r = 0; r < runs + 3; r++) {  // the first three warm up
    const t0 = performance.now();
    const kt = ebc.forward(req.kjt, { out: pooledOut });
    const t1 = performance.now();
    await dense.run({ dense: new ort.Tensor('float32', req.dense, [B, 13]), pooled: new ort.Tensor('float32', kt.values, kt.shape) });
    const t2 = performance.now();
    await full.run(feeds);
    const t3 = performance.now();
    if (r < 3) continue;
    times.sparse.push(t1 - t0);
    times.dense.push(t2 - t1);
    times.ours.push(t2 - t0);
    times.onnx.push(t3 - t2);
  }
  out.push({ batch: B, runs, sparseMs: median(times.sparse), denseMs: median(times.dense), oursMs: median(times.ours), onnxMs: median(times.onnx) });
}
await dense.release();
await full.release();
ebc.dispose();
console.log(JSON.stringify(out));
