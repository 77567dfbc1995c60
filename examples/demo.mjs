// npm start: the main job on an embedded default. Loads the package, builds a
// 100k x 64 table, runs sum / mean / max / sqrtn forward and a backward (dense and
// sparse) on sample bags, then the sum over the table quantized to fp16 /
// int8 / int4, and prints the heads of the outputs and the throughput
// (medians after warm-up).
import { EmbeddingBag, init, memoryInfo } from '../js/index.node.mjs';
import { median, timeRuns } from '../bench/timing.mjs';

const N = 100_000;
const D = 64;
const BAGS = 2048;

function time(fn, runs = 15, warmup = 15) {
  return median(timeRuns(fn, runs, warmup));
}

function head(array, count = 6) {
  return Array.from(array.subarray(0, count), (v) => v.toFixed(5).padStart(9)).join(' ');
}

const info = await init();
console.log(`embedding-bag-wasm: variant ${info.variant}, ${info.threads} thread(s)${info.reason ? ` (${info.reason})` : ''}`);

// Sample bags: 2048 bags of 1..80 indices (a recommendation-style batch).
let seed = 7;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
const offsets = new Int32Array(BAGS);
const lengths = Array.from({ length: BAGS }, () => 1 + Math.floor(random() * 80));
const indices = new Int32Array(lengths.reduce((a, b) => a + b, 0));
for (let b = 0, at = 0; b < BAGS; b++) {
  offsets[b] = at;
  for (let k = 0; k < lengths[b]; k++) indices[at++] = Math.floor(random() * N);
}
const gatheredGB = (indices.length * D * 4) / 1e9;
console.log(`table ${N} x ${D} (${((N * D * 4) / 2 ** 20).toFixed(0)} MiB), ${BAGS} bags, ${indices.length} indices\n`);

for (const mode of ['sum', 'mean', 'max', 'sqrtn']) {
  const bag = new EmbeddingBag(N, D, { mode, seed: 0 });
  let y;
  const ms = time(() => { y = bag.forward(indices, offsets); });
  console.log(`forward ${mode.padEnd(5)} ${ms.toFixed(3).padStart(8)} ms  ${(gatheredGB / (ms / 1e3)).toFixed(2).padStart(6)} GB/s of rows gathered`);
  console.log(`  output[0][0:6]  ${head(y.data)}`);
  bag.dispose();
}

const gradOutput = new Float32Array(BAGS * D).map((_, j) => (j % 7) - 3);
for (const sparse of [false, true]) {
  const bag = new EmbeddingBag(N, D, { mode: 'mean', seed: 0, sparse });
  bag.forward(indices, offsets);
  let g;
  const ms = time(() => { g = bag.backward(gradOutput); }, 9, 5);
  const what = sparse ? `sparse: ${g.weight.indices.length} rows` : `dense: ${N} x ${D}`;
  console.log(`backward mean (${what}) ${ms.toFixed(3)} ms`);
  const firstNonZero = sparse ? 0 : g.weight.findIndex((v) => v !== 0);
  const row = sparse ? g.weight.values : g.weight.subarray(firstNonZero - (firstNonZero % D));
  console.log(`  first row with a gradient  ${head(row)}`);
  bag.dispose();
}
// The same table stored smaller (inference only): size, speed, and how far
// the sums move from float32's.
const float = new EmbeddingBag(N, D, { mode: 'sum', seed: 0 });
const exact = float.forward(indices, offsets).data;
console.log(`\nquantized tables (forward sum; largest difference from float32 over all outputs)`);
for (const dtype of ['fp16', 'int8', 'int4']) {
  const small = EmbeddingBag.quantize(float, { dtype });
  let y;
  const ms = time(() => { y = small.forward(indices, offsets); });
  const worst = y.data.reduce((m, v, i) => Math.max(m, Math.abs(v - exact[i])), 0);
  const mib = small.quantizedWeight.length / 2 ** 20;
  console.log(`${dtype.padEnd(5)} ${mib.toFixed(1).padStart(5)} MiB  ${ms.toFixed(3).padStart(8)} ms  max |diff| ${worst.toExponential(2)}`);
  small.dispose();
}
float.dispose();
console.log(`\nwasm heap ${(memoryInfo().heapBytes / 2 ** 20).toFixed(0)} MiB`);
