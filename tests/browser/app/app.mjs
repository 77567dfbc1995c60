// The sample app the bundler tests build: what a user's web app does with
// the package. It runs known small cases and publishes the results on
// window.appResult (and in the page) for the test to check.
import { EmbeddingBag, init } from 'embedding-bag-wasm';

export async function run(initOptions = {}) {
  const info = await init(initOptions);
  // A 4 x 2 table with known rows; bags [0, 1], [2], [], [3, 3].
  const weight = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const indices = new Int32Array([0, 1, 2, 3, 3]);
  const offsets = new Int32Array([0, 2, 3, 3]);
  const sumBag = new EmbeddingBag(4, 2, { mode: 'sum', weight, sparse: true });
  const sum = sumBag.forward(indices, offsets);
  const grad = sumBag.backward(new Float32Array(8).fill(1)).weight;
  const meanBag = new EmbeddingBag(4, 2, { weight }); // default mode: mean
  const mean = meanBag.forward(indices, offsets);
  const maxBag = new EmbeddingBag(4, 2, { mode: 'max', weight });
  const max = maxBag.forward({ data: [3, 0, 1, 2], shape: [2, 2] });
  let error = null;
  try {
    sumBag.forward([0, 4], [0]);
  } catch (e) {
    error = `${e.name}: ${e.message}`;
  }
  for (const bag of [sumBag, meanBag, maxBag]) bag.dispose();
  const big = bigCallMatchesPlainLoop();
  const result = {
    info,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sum: Array.from(sum.data),
    mean: Array.from(mean.data),
    max: Array.from(max.data),
    gradRows: Array.from(grad.indices),
    gradValues: Array.from(grad.values),
    error,
    big,
  };
  document.querySelector('#result').textContent = JSON.stringify(result, null, 2);
  globalThis.appResult = result;
  return result;
}

// A call large enough to be split across the pool (1024 bags x 16 entries x
// 16 columns), checked element by element against a plain loop that adds in
// the same order in float32: the sums must be bit-identical.
function bigCallMatchesPlainLoop() {
  const n = 5000;
  const dim = 16;
  const bags = 1024;
  const length = 16;
  let seed = 12345;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  const weight = Float32Array.from({ length: n * dim }, () => random() * 2 - 1);
  const indices = Int32Array.from({ length: bags * length }, () => Math.floor(random() * n));
  const bag = new EmbeddingBag(n, dim, { mode: 'sum', weight });
  const out = bag.forward({ data: indices, shape: [bags, length] }).data;
  bag.dispose();
  const expected = new Float32Array(bags * dim);
  for (let b = 0; b < bags; b++) {
    for (let k = 0; k < length; k++) {
      const row = indices[b * length + k] * dim;
      for (let d = 0; d < dim; d++) expected[b * dim + d] += weight[row + d];
    }
  }
  let mismatches = 0;
  for (let i = 0; i < expected.length; i++) if (!Object.is(out[i], expected[i])) mismatches++;
  return { elements: expected.length, mismatches };
}
