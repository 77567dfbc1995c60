// One benchmark runner: the package, one variant (argv[2] = threads; argv[3]
// optionally minParallelWork), plus the plain-JS loop. It stays alive and
// answers bench.mjs's requests (runner_protocol.mjs), so that the parent can
// interleave short rounds of the runners in time. Ops: OPS below.
import { EmbeddingBag, init } from '../js/index.node.mjs';
import { PLAIN_EMBEDDING_BAG } from './plain_js.mjs';
import { serveRequests, workloadBatch } from './runner_protocol.mjs';

const threads = Number(process.argv[2]);
const minParallelWork = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const info = await init({ threads, ...(minParallelWork === undefined ? {} : { minParallelWork }) });

let current = null; // { w, indices, offsets, forwardBag, sparseBag, gradOutput, weight }

const QUANTIZED_DTYPES = ['fp16', 'int8', 'int4'];

function release() {
  current?.forwardBag.dispose();
  current?.sparseBag?.dispose();
  for (const bag of Object.values(current?.quantized ?? {})) bag.dispose();
  current = null;
}

function prepare(name, quick) {
  release();
  const { w, indices, offsets } = workloadBatch(name, quick);
  const forwardBag = new EmbeddingBag(w.n, w.dim, { mode: w.mode, seed: 3 });
  let sparseBag = null;
  if (w.mode !== 'max') {
    sparseBag = new EmbeddingBag(w.n, w.dim, { mode: w.mode, seed: 3, sparse: true });
    sparseBag.forward(indices, offsets);
  }
  const gradOutput = new Float32Array(w.bags * w.dim).fill(0.5);
  const weight = forwardBag.weight.slice();
  forwardBag.forward(indices, offsets); // what a dense backward refers to
  // The same table quantized, for the 1-thread runner's quantized rows.
  const quantized = {};
  if (w.quantized && threads === 1) {
    for (const dtype of QUANTIZED_DTYPES) quantized[dtype] = EmbeddingBag.quantize(forwardBag, { dtype });
  }
  const rowBytes = Object.fromEntries(Object.entries(quantized).map(([dtype, bag]) => [dtype, bag.quantizedWeight.length / w.n]));
  current = { w, indices, offsets, forwardBag, sparseBag, gradOutput, weight, quantized, pass: new Float32Array(w.n * w.dim) };
  return { info, indices: indices.length, dim: w.dim, hasBackward: sparseBag !== null, rowBytes };
}

const VIEW = { copy: false };
const OPS = {
  forward: (c) => () => c.forwardBag.forward(c.indices, c.offsets),
  forwardView: (c) => () => c.forwardBag.forward(c.indices, c.offsets, null, VIEW),
  backwardSparse: (c) => () => c.sparseBag.backward(c.gradOutput),
  backwardSparseView: (c) => () => c.sparseBag.backward(c.gradOutput, VIEW),
  // forwardBag's last forward is always the same batch.
  backwardDenseView: (c) => () => c.forwardBag.backward(c.gradOutput, VIEW),
  // One pass over N x D floats (what a dense gradient must at least write).
  passNxD: (c) => () => c.pass.fill(0),
  ...Object.fromEntries(QUANTIZED_DTYPES.map((dtype) => [
    `forwardView_${dtype}`, (c) => () => c.quantized[dtype].forward(c.indices, c.offsets, null, VIEW),
  ])),
  plainJs: (c) => {
    const plain = PLAIN_EMBEDDING_BAG[c.w.mode];
    return () => plain(c.weight, c.w.dim, c.indices, c.offsets);
  },
};

await serveRequests({ prepare, operation: (op) => OPS[op](current), release });
