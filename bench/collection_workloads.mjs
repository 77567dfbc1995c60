// The EmbeddingBagCollection workloads: DLRM on Criteo Kaggle's 26 sparse
// features (their cardinalities capped at 1M rows), D = 16, one id per
// feature per sample; and a heavier one with bags of 1..40 ids and D = 64.
// Ids and lengths from a fixed seed (batch.mjs's generator).
import { lcg } from './batch.mjs';

export const CRITEO_CARDINALITIES = [1460, 583, 1_000_000, 1_000_000, 305, 24, 12517, 633, 3, 93145, 5683, 1_000_000, 3194,
  27, 14992, 1_000_000, 10, 5652, 2173, 4, 1_000_000, 18, 15, 286181, 105, 142572];

export const COLLECTION_WORKLOADS = [
  { name: 'dlrm-b128', cardinalities: CRITEO_CARDINALITIES, dim: 16, batch: 128, maxIds: 1 },
  { name: 'dlrm-b4096', cardinalities: CRITEO_CARDINALITIES, dim: 16, batch: 4096, maxIds: 1 },
  { name: 'heavy-b4096', cardinalities: CRITEO_CARDINALITIES, dim: 64, batch: 4096, maxIds: 40 },
];

/** The workload's KJT: keys f0..f25, key-major values, Int32Array lengths. */
export function makeKjt(w, seed = 11) {
  const random = lcg(seed);
  const lengths = new Int32Array(w.cardinalities.length * w.batch);
  const values = [];
  w.cardinalities.forEach((n, k) => {
    for (let b = 0; b < w.batch; b++) {
      const length = w.maxIds === 1 ? 1 : 1 + Math.floor(random() * w.maxIds);
      lengths[k * w.batch + b] = length;
      for (let i = 0; i < length; i++) values.push(Math.floor(random() * n));
    }
  });
  return { keys: w.cardinalities.map((_, k) => `f${k}`), values: Int32Array.from(values), lengths };
}

/** The workloads; quick: the same shapes on small tables and B = 16 (npm test runs it once). */
export function collectionWorkloads(quick = false) {
  if (!quick) return COLLECTION_WORKLOADS;
  return COLLECTION_WORKLOADS.map((w) => ({ ...w, cardinalities: w.cardinalities.map((n) => Math.min(n, 1000)), batch: 16 }));
}
