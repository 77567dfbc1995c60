// One runner of the training benchmark (bench/training.mjs), for one workload
// of workloads.json (recsys, text), holding only its table:
//   node bench/training_child.mjs <threads> <workload> [--quick]
// Per line "round" on stdin, one JSON line of medians (ms per call) out:
//   sparseView      backward(grad, { copy: false }) of a sparse: true bag: the
//                   coalesced gradient left in wasm memory (what step builds)
//   step_<name>     step(grad) with each optimizer (setOptimizer before its
//                   samples; warm-up steps touch the batch's state rows first)
//   js_sgd          backward(grad) (sparse, copied: the default) + the JS loop
//   js_adagrad      a user would write over its rows: w -= lr g (sgd), or
//                   sum += g^2; w -= lr g / (sqrt(sum) + eps) with the state
//                   in a Float32Array of N x D (adagrad)
//   js_dense_sgd    backward(grad) of a default (sparse: false) bag (the
//                   N x D gradient, copied) + the loop over its nonzero rows
//                   found by scanning it: the plain path of a default bag
// Every series runs on the same forward; the table drifts a little with
// the steps (lr 1e-4), which changes no timing.
import { createInterface } from 'node:readline';

import { EmbeddingBag, init } from '../js/index.node.mjs';
import { median } from './timing.mjs';
import { makeBatch, quickWorkload, WORKLOADS } from './workloads.mjs';

const threads = Number(process.argv[2]);
const quick = process.argv.includes('--quick');
const info = await init({ threads });
const base = WORKLOADS.find((w) => w.name === process.argv[3]);
if (!base) throw new Error(`unknown workload ${process.argv[3]}`);
const w = quick ? quickWorkload(base) : base;

const OPTIMIZERS = ['sgd', 'rowwise-adagrad', 'adagrad', 'sparse-adam'];
const LR = 1e-4;

const { indices, offsets } = makeBatch(w);
const bag = new EmbeddingBag(w.n, w.dim, { mode: w.mode, sparse: true, seed: 1 });
const y = bag.forward(indices, offsets);
const grad = Float32Array.from(y.data, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
const n = w.n;
const d = w.dim;

// The default bag's path costs an N x D gradient per call: timed on the
// same forward, only where the table is small enough to hold two of it.
const denseBag = n * d <= 16e6 ? new EmbeddingBag(n, d, { mode: w.mode, seed: 1 }) : null;
denseBag?.forward(indices, offsets);

let jsSum = null; // adagrad's state for the JS loop, made once
const jsLoops = {
  sgd() {
    const g = bag.backward(grad).weight;
    const weight = bag.weight;
    const { indices: rows, values } = g;
    for (let k = 0; k < rows.length; k++) {
      const at = rows[k] * d;
      const from = k * d;
      for (let j = 0; j < d; j++) weight[at + j] -= LR * values[from + j];
    }
  },
  adagrad() {
    jsSum ??= new Float32Array(n * d);
    const g = bag.backward(grad).weight;
    const weight = bag.weight;
    const sum = jsSum;
    const { indices: rows, values } = g;
    for (let k = 0; k < rows.length; k++) {
      const at = rows[k] * d;
      const from = k * d;
      for (let j = 0; j < d; j++) {
        const v = values[from + j];
        const s = sum[at + j] + v * v;
        sum[at + j] = s;
        weight[at + j] -= (LR * v) / (Math.sqrt(s) + 1e-10);
      }
    }
  },
  denseSgd() {
    const g = denseBag.backward(grad).weight;
    const weight = denseBag.weight;
    for (let r = 0; r < n; r++) {
      const at = r * d;
      let nonzero = false;
      for (let j = 0; j < d; j++) if (g[at + j] !== 0) { nonzero = true; break; }
      if (!nonzero) continue;
      for (let j = 0; j < d; j++) weight[at + j] -= LR * g[at + j];
    }
  },
};

function time(fn, samples, warmup) {
  for (let k = 0; k < warmup; k++) fn();
  const out = [];
  for (let k = 0; k < samples; k++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}

const samples = quick ? 2 : 5;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'round') process.exit(0);
  const result = { threads: info.threads, variant: info.variant, ids: indices.length, dim: d, n };
  result.sparseView = time(() => bag.backward(grad, { copy: false }), samples, 3);
  for (const name of OPTIMIZERS) {
    bag.setOptimizer({ name, lr: LR });
    result[`step_${name}`] = time(() => bag.step(grad), samples, 3);
  }
  bag.setOptimizer(null);
  if (threads === 1) {
    result.js_sgd = time(jsLoops.sgd, samples, 3);
    result.js_adagrad = time(jsLoops.adagrad, samples, 3);
    if (denseBag) result.js_dense_sgd = time(jsLoops.denseSgd, Math.min(samples, 3), 1);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
});
