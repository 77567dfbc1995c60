// A digest of the bits of a training run: every optimizer in every mode,
// steps on random batches (duplicates, padding, empty bags, per-sample
// weights in sum mode, scaleGradByFreq in mean mode), then the tables and
// the optimizers' states; then an EmbeddingBagCollection's steps. Training must give the same bits on any thread
// count, variant and runtime: Node (training.test.mjs, both variants) and
// the browsers (tests/browser/golden.test.mjs, both variants) check this
// digest against the same value.
import { rng } from './rng.mjs';

// What every runtime, variant and thread count must give. A change of the
// kernels' float order changes it: then every runtime must change with it.
export const TRAINING_DIGEST = '64b28da8';

/** FNV-1a (32-bit) over the bytes of the run's tables and states, as hex. */
export function trainingDigest(EmbeddingBag, EmbeddingBagCollection) {
  const random = rng(2718);
  let hash = 0x811c9dc5;
  const add = (array) => {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193) >>> 0;
  };
  for (const name of ['sgd', 'adagrad', 'rowwise-adagrad', 'sparse-adam']) {
    for (const mode of ['sum', 'mean', 'max', 'sqrtn']) {
      const n = 500;
      const dim = 20;
      const bag = new EmbeddingBag(n, dim, {
        mode, paddingIdx: 5, scaleGradByFreq: mode === 'mean', seed: 11, optimizer: { name, lr: 0.05 },
      });
      for (let call = 0; call < 3; call++) {
        const offsets = [];
        const indices = [];
        for (let b = 0; b < 300; b++) {
          offsets.push(indices.length);
          const length = random() < 0.1 ? 0 : Math.floor(random() * 20);
          for (let k = 0; k < length; k++) indices.push(random() < 0.3 ? 5 + Math.floor(random() * 3) : Math.floor(random() * n));
        }
        const psw = mode === 'sum' ? Float32Array.from(indices, () => random() * 2 - 1) : null;
        const y = bag.forward(Int32Array.from(indices), Int32Array.from(offsets), psw);
        const result = bag.step(Float32Array.from({ length: y.data.length }, () => random() - 0.5));
        if (result.perSampleWeights) add(result.perSampleWeights);
      }
      add(bag.weight);
      for (const state of Object.values(bag.optimizerState())) add(state);
      bag.dispose();
    }
  }
  // A collection: a table shared by two features, per-id weights, each
  // table with its own optimizer.
  const ebc = new EmbeddingBagCollection([
    { name: 'a', numEmbeddings: 300, embeddingDim: 8, featureNames: ['f0', 'f1'], pooling: 'mean' },
    { name: 'b', numEmbeddings: 50, embeddingDim: 4, featureNames: ['f2'], pooling: 'sum', paddingIdx: 0 },
  ], { seed: 5, isWeighted: true, optimizer: { name: 'rowwise-adagrad', lr: 0.1 } });
  ebc.table('b').setOptimizer({ name: 'sparse-adam', lr: 0.01 });
  for (let call = 0; call < 3; call++) {
    const batch = 64;
    const lengths = Int32Array.from({ length: 3 * batch }, () => Math.floor(random() * 6));
    const values = [];
    lengths.forEach((length, k) => {
      for (let i = 0; i < length; i++) values.push(Math.floor(random() * (k < 2 * batch ? 300 : 50)));
    });
    const weights = Float32Array.from(values, () => random() + 0.5);
    const kt = ebc.forward({ keys: ['f0', 'f1', 'f2'], values: Int32Array.from(values), lengths, weights });
    const result = ebc.step(Float32Array.from(kt.values, () => random() - 0.5));
    add(result.perSampleWeights);
  }
  for (const [, state] of Object.entries(ebc.optimizerState())) for (const array of Object.values(state)) add(array);
  for (const name of ['a', 'b']) add(ebc.table(name).weight);
  ebc.dispose();
  return hash.toString(16).padStart(8, '0');
}
