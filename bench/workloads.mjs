// The benchmark workloads (issue 6's table): the same data in every process,
// from a fixed seed. quantized: also timed over fp16 / int8 / int4 tables.
// threadsInOneProcess: the 1- and N-thread variants are timed in turn in one
// process (child.mjs pair), since separate processes differ by more than the
// few percent that matter on a call of a few microseconds.
export const WORKLOADS = [
  { name: 'recsys', n: 1_000_000, dim: 64, bags: 2048, minLen: 1, maxLen: 80, mode: 'sum', quantized: true },
  { name: 'text', n: 100_000, dim: 128, bags: 256, minLen: 1, maxLen: 400, mode: 'mean', quantized: true },
  { name: 'small-max', n: 10_000, dim: 32, bags: 4096, minLen: 16, maxLen: 16, mode: 'max' },
  { name: 'small-sum', n: 10_000, dim: 32, bags: 4096, minLen: 16, maxLen: 16, mode: 'sum' },
  { name: 'tiny-sum', n: 1_000, dim: 16, bags: 8, minLen: 1, maxLen: 8, mode: 'sum', threadsInOneProcess: true },
];

// The dtypes of the quantized rows (besides fp32).
export const QUANTIZED_DTYPES = ['fp16', 'int8', 'int4'];

// --quick (npm test): the same code paths on small sizes.
export function quickWorkload(w) {
  return { ...w, n: Math.min(w.n, 5000), bags: Math.min(w.bags, 64), maxLen: Math.min(w.maxLen, 20), minLen: Math.min(w.minLen, 20) };
}

export function makeBatch(w, seed = 1) {
  let state = seed >>> 0;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  const offsets = new Int32Array(w.bags);
  const lengths = Array.from({ length: w.bags }, () => w.minLen + Math.floor(random() * (w.maxLen - w.minLen + 1)));
  const indices = new Int32Array(lengths.reduce((a, b) => a + b, 0));
  for (let b = 0, at = 0; b < w.bags; b++) {
    offsets[b] = at;
    for (let k = 0; k < lengths[b]; k++) indices[at++] = Math.floor(random() * w.n);
  }
  return { indices, offsets };
}
