// One benchmark runner, answering bench.mjs's requests (runner_protocol.mjs)
// so that the parent can interleave short rounds of the runners in time:
//   node child.mjs <threads> [minParallelWork]
//       the package (ESM entry) on one variant, plus the plain-JS loop;
//   node child.mjs pair <threads>
//       the package twice in one process: its ESM entry on 1 thread (ops
//       "<op>@1") and its CommonJS entry, a second instance, on <threads>
//       (ops "<op>@N"). For calls of a few microseconds, where two processes
//       differ by more than the threaded build could cost (code placement,
//       JIT state), the two variants are timed in turn in the same process.
import { createRequire } from 'node:module';

import * as esmPackage from '../js/index.node.mjs';
import { PLAIN_EMBEDDING_BAG } from './plain_js.mjs';
import { serveRequests, workloadBatch } from './runner_protocol.mjs';
import { quantizedDtypeNames } from '../js/registry.mjs';

const pair = process.argv[2] === 'pair';
const threads = Number(process.argv[pair ? 3 : 2]);
const minParallelWork = pair || process.argv[3] === undefined ? undefined : Number(process.argv[3]);

// One package instance and its bags for the current workload.
async function startInstance(pkg, instanceThreads) {
  const info = await pkg.init({ threads: instanceThreads, ...(minParallelWork === undefined ? {} : { minParallelWork }) });
  let bags = [];
  return {
    info,
    release() {
      for (const bag of bags) bag.dispose();
      bags = [];
    },
    // The workload's bags: forward (dense backward refers to its last
    // forward, always this batch), sparse (not for max), and, when asked,
    // the same table quantized.
    prepare(w, indices, offsets, withQuantized) {
      this.release();
      const forwardBag = new pkg.EmbeddingBag(w.n, w.dim, { mode: w.mode, seed: 3 });
      forwardBag.forward(indices, offsets);
      let sparseBag = null;
      if (w.mode !== 'max') {
        sparseBag = new pkg.EmbeddingBag(w.n, w.dim, { mode: w.mode, seed: 3, sparse: true });
        sparseBag.forward(indices, offsets);
      }
      const quantized = {};
      if (withQuantized) {
        for (const dtype of quantizedDtypeNames()) quantized[dtype] = pkg.EmbeddingBag.quantize(forwardBag, { dtype });
      }
      bags = [forwardBag, ...(sparseBag ? [sparseBag] : []), ...Object.values(quantized)];
      return { forwardBag, sparseBag, quantized };
    },
  };
}

const instances = pair
  ? { 1: await startInstance(esmPackage, 1), N: await startInstance(createRequire(import.meta.url)('../dist/index.cjs'), threads) }
  : { only: await startInstance(esmPackage, threads) };
const info = pair ? instances.N.info : instances.only.info;

const VIEW = { copy: false };
// The ops of one instance's bags (c: the batch, b: what prepare() made).
const opsOf = (c, b) => ({
  forward: () => b.forwardBag.forward(c.indices, c.offsets),
  forwardView: () => b.forwardBag.forward(c.indices, c.offsets, null, VIEW),
  backwardSparse: () => b.sparseBag.backward(c.gradOutput),
  backwardSparseView: () => b.sparseBag.backward(c.gradOutput, VIEW),
  backwardDense: () => b.forwardBag.backward(c.gradOutput),
  backwardDenseView: () => b.forwardBag.backward(c.gradOutput, VIEW),
  ...Object.fromEntries(Object.keys(b.quantized).map((dtype) => [
    `forwardView_${dtype}`, () => b.quantized[dtype].forward(c.indices, c.offsets, null, VIEW),
  ])),
});

let ops = {};
function prepare(name, quick) {
  const { w, indices, offsets } = workloadBatch(name, quick);
  const c = { w, indices, offsets, gradOutput: new Float32Array(w.bags * w.dim).fill(0.5) };
  ops = {};
  const made = Object.fromEntries(Object.entries(instances).map(([key, instance]) => [
    key, instance.prepare(w, indices, offsets, Boolean(w.quantized) && threads === 1 && !pair),
  ]));
  for (const [key, bags] of Object.entries(made)) {
    for (const [op, fn] of Object.entries(opsOf(c, bags))) ops[pair ? `${op}@${key}` : op] = fn;
  }
  if (!pair) {
    // One pass over N x D floats (what a dense gradient must at least write).
    const pass = new Float32Array(w.n * w.dim);
    ops.passNxD = () => pass.fill(0);
    const plain = PLAIN_EMBEDDING_BAG[w.mode];
    const weight = made.only.forwardBag.weight.slice();
    ops.plainJs = () => plain(weight, w.dim, indices, offsets);
  }
  const first = Object.values(made)[0];
  return {
    info, indices: indices.length, dim: w.dim, hasBackward: first.sparseBag !== null,
    rowBytes: Object.fromEntries(Object.entries(first.quantized).map(([dtype, bag]) => [dtype, bag.quantizedWeight.length / w.n])),
  };
}

await serveRequests({
  // The quantized dtypes, as the package's registry lists them.
  describe: () => ({ quantizedDtypes: quantizedDtypeNames() }),
  prepare,
  operation: (op) => ops[op],
  release: () => Object.values(instances).forEach((instance) => instance.release()),
});
