// One runner of the EmbeddingBagCollection benchmark (bench/collection.mjs),
// for one workload of COLLECTION_WORKLOADS (a process holds only its tables,
// as a service running one model would):
//   node bench/collection_child.mjs <threads> <workload> [--quick]
// Times (per line "round" read on stdin, one JSON line of medians out):
//   ebc      one ebc.forward(kjt, { copy: false }) (the KeyedTensor in wasm memory)
//   ebcCopy  one ebc.forward(kjt) (copied out into a new array, the default)
//   separate the same tables as separate bags: one bag.forward(..., { copy: false })
//            per feature and the JS copy of each into one [B, sum of D] array,
//            made once (a new array per call costs more than the work here:
//            fresh memory is slow to touch on these machines)
//   separateCopy  the same as called with the defaults: one bag.forward(...)
//            per feature (each a new array) and their concatenation into a
//            new [B, sum of D] array, against ebcCopy
//   single   one EmbeddingBag over the same number of ids and D, from one
//            table of the largest cardinality: the single-table kernel on the
//            same bytes, for GB/s
import { createInterface } from 'node:readline';

import { EmbeddingBag, EmbeddingBagCollection, init } from '../js/index.node.mjs';
import { collectionWorkloads, makeKjt } from './collection_workloads.mjs';
import { median } from './timing.mjs';

const threads = Number(process.argv[2]);
const info = await init({ threads });
if (!collectionWorkloads().some((w) => w.name === process.argv[3])) throw new Error(`unknown workload ${process.argv[3]}`);

const cases = collectionWorkloads(process.argv.includes('--quick')).filter((w) => w.name === process.argv[3]).map((w) => {
  const tables = w.cardinalities.map((n, t) => ({ name: `t${t}`, numEmbeddings: n, embeddingDim: w.dim, featureNames: [`f${t}`], pooling: 'sum' }));
  const ebc = new EmbeddingBagCollection(tables, { seed: 1 });
  const kjt = makeKjt(w);
  // The per-feature slices of the same KJT, as a user calling bags would cut them.
  const perFeature = [];
  let at = 0;
  kjt.keys.forEach((key, k) => {
    const lengths = kjt.lengths.subarray(k * w.batch, (k + 1) * w.batch);
    const offsets = new Int32Array(w.batch);
    let sum = 0;
    for (let b = 0; b < w.batch; b++) {
      offsets[b] = sum;
      sum += lengths[b];
    }
    perFeature.push({ bag: ebc.table(`t${k}`), ids: kjt.values.subarray(at, at + sum), offsets });
    at += sum;
  });
  const totalDim = w.dim * w.cardinalities.length;
  const out = new Float32Array(w.batch * totalDim);
  const separate = () => {
    perFeature.forEach(({ bag, ids, offsets }, k) => {
      const { data } = bag.forward(ids, offsets, null, { copy: false });
      for (let b = 0; b < w.batch; b++) out.set(data.subarray(b * w.dim, (b + 1) * w.dim), b * totalDim + k * w.dim);
    });
    return out;
  };
  const separateCopy = () => {
    const parts = perFeature.map(({ bag, ids, offsets }) => bag.forward(ids, offsets).data);
    const joined = new Float32Array(w.batch * totalDim);
    parts.forEach((data, k) => {
      for (let b = 0; b < w.batch; b++) joined.set(data.subarray(b * w.dim, (b + 1) * w.dim), b * totalDim + k * w.dim);
    });
    return joined;
  };
  const largest = Math.max(...w.cardinalities);
  const single = new EmbeddingBag(largest, w.dim, { mode: 'sum', seed: 2 });
  const singleIds = Int32Array.from(kjt.values, (v, i) => (v * 7 + i) % largest);
  const singleOffsets = Int32Array.from({ length: w.batch * w.cardinalities.length }, (_, b) => (b * kjt.values.length) / (w.batch * w.cardinalities.length) | 0);
  // The same numbers both ways (checked once).
  const a = ebc.forward(kjt).values;
  const b = separate().slice();
  const c = separateCopy();
  if (a.length !== b.length || a.some((v, i) => !Object.is(v, b[i]) || !Object.is(v, c[i]))) throw new Error(`${w.name}: the collection and the separate calls differ`);
  return { w, ebc, kjt, separate, separateCopy, single, singleIds, singleOffsets, ids: kjt.values.length };
});

// ms per call: `repeat` calls per sample, samples after warm-up.
function time(fn, repeat, samples = 7, warmup = 3) {
  const out = [];
  for (let s = 0; s < samples + warmup; s++) {
    const t0 = performance.now();
    for (let r = 0; r < repeat; r++) fn();
    const ms = (performance.now() - t0) / repeat;
    if (s >= warmup) out.push(ms);
  }
  return median(out);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'round') process.exit(0);
  const result = { threads: info.threads, variant: info.variant, workloads: {} };
  for (const c of cases) {
    const repeat = c.w.batch <= 256 ? 400 : 2;
    result.workloads[c.w.name] = {
      ebc: time(() => c.ebc.forward(c.kjt, { copy: false }), repeat),
      ebcCopy: time(() => c.ebc.forward(c.kjt), repeat),
      separate: time(c.separate, repeat),
      separateCopy: time(c.separateCopy, repeat),
      single: time(() => c.single.forward(c.singleIds, c.singleOffsets, null, { copy: false }), repeat),
      ids: c.ids,
      dim: c.w.dim,
    };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
});
