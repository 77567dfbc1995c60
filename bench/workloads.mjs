// The benchmark workloads of bench/workloads.json (which the native runner
// reads too) and the batch every runner builds from them: the same data in
// every process, from a fixed seed.
import { readFileSync } from 'node:fs';

const spec = JSON.parse(readFileSync(new URL('./workloads.json', import.meta.url), 'utf8'));

export const WORKLOADS = spec.workloads;

// --quick (npm test): the same code paths on small sizes.
export function quickWorkload(w) {
  const cap = spec.quick;
  return { ...w, n: Math.min(w.n, cap.n), bags: Math.min(w.bags, cap.bags), maxLen: Math.min(w.maxLen, cap.maxLen), minLen: Math.min(w.minLen, cap.minLen) };
}

export { makeBatch } from './batch.mjs';
