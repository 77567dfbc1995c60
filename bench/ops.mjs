// What a JS benchmark runner times, in Node (child.mjs) and in a page
// (page/runner.mjs): a package instance's bags for a workload and the
// operations over them. No Node APIs here.
import { PLAIN_EMBEDDING_BAG } from './plain_js.mjs';
import { probeFits, startProbe } from './probe/probe.mjs';

// One package instance and its bags for the current workload.
export async function startInstance(pkg, initOptions) {
  const info = await pkg.init(initOptions);
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
    prepare(w, indices, offsets, quantizedDtypes) {
      this.release();
      const forwardBag = new pkg.EmbeddingBag(w.n, w.dim, { mode: w.mode, seed: 3 });
      forwardBag.forward(indices, offsets);
      let sparseBag = null;
      if (w.mode !== 'max') {
        sparseBag = new pkg.EmbeddingBag(w.n, w.dim, { mode: w.mode, seed: 3, sparse: true });
        sparseBag.forward(indices, offsets);
      }
      const quantized = {};
      for (const dtype of quantizedDtypes) quantized[dtype] = pkg.EmbeddingBag.quantize(forwardBag, { dtype });
      bags = [forwardBag, ...(sparseBag ? [sparseBag] : []), ...Object.values(quantized)];
      return { forwardBag, sparseBag, quantized };
    },
  };
}

const VIEW = { copy: false };

// The ops of one instance's bags (c: the batch, b: what prepare() made).
// "View": results as views of wasm memory; "Out": into arrays made once.
export function opsOf(c, b) {
  const out = { out: new Float32Array(c.w.bags * c.w.dim) };
  return {
    forward: () => b.forwardBag.forward(c.indices, c.offsets),
    forwardView: () => b.forwardBag.forward(c.indices, c.offsets, null, VIEW),
    forwardOut: () => b.forwardBag.forward(c.indices, c.offsets, null, out),
    backwardSparse: () => b.sparseBag.backward(c.gradOutput),
    backwardSparseView: () => b.sparseBag.backward(c.gradOutput, VIEW),
    backwardDense: () => b.forwardBag.backward(c.gradOutput),
    backwardDenseView: () => b.forwardBag.backward(c.gradOutput, VIEW),
    ...Object.fromEntries(Object.keys(b.quantized).map((dtype) => [
      `forwardView_${dtype}`, () => b.quantized[dtype].forward(c.indices, c.offsets, null, VIEW),
    ])),
  };
}

// The ops a one-instance runner adds: a pass over N x D floats (what a dense
// gradient must at least write) and the plain-JS loop over a copy of the table.
export function singleInstanceOps(c, made) {
  const { w, indices, offsets } = c;
  const pass = new Float32Array(w.n * w.dim);
  const plain = PLAIN_EMBEDDING_BAG[w.mode];
  const weight = made.forwardBag.weight.slice();
  return {
    passNxD: () => pass.fill(0),
    plainJs: () => plain(weight, w.dim, indices, offsets),
  };
}

// The limit probe over the same batch (probe/probe.mjs), when it fits the
// workload and its bytes are at hand: { probe } or {}.
export async function probeOps(probeBytes, c, made) {
  if (!probeBytes || !probeFits(c.w)) return {};
  const expected = made.forwardBag.forward(c.indices, c.offsets).data;
  return { probe: await startProbe(probeBytes, c.w, c.indices, c.offsets, made.forwardBag.weight, expected) };
}

// prepare()'s reply: the batch's shape and each quantized dtype's bytes per row.
export function preparedShape(info, c, made) {
  return {
    info, indices: c.indices.length, dim: c.w.dim, hasBackward: made.sparseBag !== null,
    rowBytes: Object.fromEntries(Object.entries(made.quantized).map(([dtype, bag]) => [dtype, bag.quantizedWeight.length / c.w.n])),
  };
}
