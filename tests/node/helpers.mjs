// Shared by the node:test files: the package (through its Node ESM entry,
// built into dist/ by `npm run build`), golden cases, small utilities.
import { readFileSync } from 'node:fs';

import * as ebw from '../../js/index.node.mjs';

export const { init, shutdown, EmbeddingBag, EmbeddingBagCollection, embeddingBag, memoryInfo } = ebw;

// npm test runs this suite twice: EBAG_TEST_THREADS=1 (the simd variant) and
// EBAG_TEST_THREADS=2 (simd-threaded, every call split however small).
export const testThreads = Number(process.env.EBAG_TEST_THREADS ?? 1);
export const info = await init(testThreads > 1 ? { threads: testThreads, minParallelWork: 0 } : { threads: 1 });
if (info.threads !== testThreads) throw new Error(`asked for ${testThreads} threads, got ${JSON.stringify(info)}`);

// W[r][d] = 10 r + d: sums of a few rows are exact.
export function countingTable(n, d) {
  const w = new Float32Array(n * d);
  for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) w[r * d + k] = 10 * r + k;
  return w;
}

// The cases of a golden file in tests/golden/: embedding_bag_golden.json
// (PyTorch 1.13) or scaled_golden.json (sqrtn and weighted mean, from the
// formula in float64).
export function goldenCases(file = 'embedding_bag_golden.json') {
  const url = new URL(`../golden/${file}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')).cases;
}

// A small deterministic generator (mulberry32) for fuzzing and workloads.
export { rng } from '../golden/rng.mjs';

export function closeTo(actual, expected, what, tol = 2e-5) {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i];
    if (!(Math.abs(actual[i] - e) <= tol + tol * Math.abs(e))) {
      throw new Error(`${what}[${i}] = ${actual[i]}, expected ${e}`);
    }
  }
}

export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.every((v, i) => v === y[i]);
}
